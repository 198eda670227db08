/**
 * Where our server's CPU goes on the play path: starts `bun --cpu-prof src/index.ts` as the
 * harness starts it (bench/targets/ours.ts), runs the play path (32 players with a socket each,
 * 4 monitors, 32 REST loops) from a load agent for `--seconds`, stops the server (the profile
 * is written as it exits) and prints the top frames by self time and the time per source file.
 *
 * `--cluster`: the profiled server is one of two instances on one PostgreSQL and one Redis, as
 * in the cluster scenario (scenarios/cluster.ts). `--postgres`: one instance on PostgreSQL, the
 * cluster scenario's one-instance reference.
 *
 * Run: `bun bench/profile-server.ts [--seconds=N] [--top=N] [--cluster | --postgres]`; the .cpuprofile stays in the
 * printed directory (open it in Chrome's DevTools or speedscope for the call tree).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { spawnAgent } from "./lib/agent.ts";
import { optionValue, positiveInteger } from "./lib/options.ts";
import { installCleanup } from "./lib/proc.ts";
import { redisUrl, sharedPostgresDatabase, stopServices } from "./lib/services.ts";
import { profileFor } from "./profiles.ts";
import type { SessionContext } from "./scenarios/context.ts";
import { runPlays } from "./scenarios/play.ts";
import { oursEnv, oursTarget, startOurs } from "./targets/ours.ts";

const ROOT = join(import.meta.dir, "..");

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

function option(name: string, fallback: number): number {
  return positiveInteger(name, optionValue(name), fallback);
}

function describe(frame: Node["callFrame"]): string {
  const file = frame.url ? relative(ROOT, frame.url.replace(/^file:\/\//, "")) : "(native)";
  return `${frame.functionName || "(anonymous)"}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
}

/**
 * Self time per frame and per file, in ms, from a Chrome-format CPU profile. Native frames
 * (SQLite, JSON, publish) say nothing of who called them, so their time is also listed
 * against the nearest JavaScript frame above them.
 */
function selfTimes(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const perFrame = new Map<string, number>();
  const perFile = new Map<string, number>();
  const nativeByCaller = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = byId.get(id)!.callFrame;
    add(perFrame, describe(frame), ms);
    add(perFile, frame.url ? relative(ROOT, frame.url.replace(/^file:\/\//, "")) : "(native)", ms);
    if (!frame.url) {
      let caller = parentOf.get(id);
      while (caller !== undefined && !byId.get(caller)!.callFrame.url) caller = parentOf.get(caller);
      add(nativeByCaller, `${frame.functionName || "(anonymous)"} ← ${caller === undefined ? "(root)" : describe(byId.get(caller)!.callFrame)}`, ms);
    }
    total += ms;
  });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { total, frames: sorted(perFrame), files: sorted(perFile), nativeByCaller: sorted(nativeByCaller) };
}

async function main(): Promise<void> {
  installCleanup();
  const seconds = option("seconds", 5);
  const top = option("top", 25);
  const isCluster = process.argv.includes("--cluster");
  const onPostgres = isCluster || process.argv.includes("--postgres");
  const secret = randomBytes(32).toString("base64url");
  const dir = mkdtempSync(join(tmpdir(), "bench-profile-"));
  const target = oursTarget(secret);
  const profiling = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
  // --cluster: the profiled instance and a second one on one PostgreSQL and one Redis, as in
  // the cluster scenario (plays on both, each player's socket on the other instance).
  const env = onPostgres
    ? oursEnv(secret, await sharedPostgresDatabase(), isCluster ? { REDIS_URL: await redisUrl() } : {})
    : oursEnv(secret, `sqlite://${join(dir, "bench.sqlite")}`);
  const server = await startOurs(env, "ours (profiled)", profiling);
  const instances = isCluster ? [server, await startOurs(env, "ours #2")] : undefined;
  const agent = spawnAgent("player agent");
  const profile = profileFor(false);
  try {
    const userIds = await target.prepareUsers(server, profile.players);
    const ctx: SessionContext = {
      target,
      server,
      instances,
      profile,
      players: userIds.map((userId) => ({ userId, token: target.mintToken(userId, "user") })),
      idleTokens: [],
      adminToken: target.mintToken(await target.prepareAdmin(server), "admin"),
      player: agent,
      crowd: agent,
    };
    const { play } = profile;
    const { result, cpuSeconds } = await runPlays(ctx, { monitors: play.monitors, concurrency: play.concurrency, durationMs: seconds * 1000 });
    console.log(`${result.plays} plays in ${result.elapsedSeconds.toFixed(1)} s (${(result.plays / result.elapsedSeconds).toFixed(0)}/s), ${((cpuSeconds * 1e6) / result.plays).toFixed(0)} µs server CPU per play (profiler on), load average ${loadavg()[0]!.toFixed(1)}`);
  } finally {
    await agent.stop();
    await Promise.all((instances ?? [server]).map((instance) => instance.stop()));
    await target.dispose();
    await stopServices();
  }
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: the server did not write one as it exited`);
  const { total, frames, files, nativeByCaller } = selfTimes(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile);
  const share = (ms: number) => `${((ms / total) * 100).toFixed(1).padStart(5)} %`;
  console.log(`\nprofile ${join(dir, file)}: ${(total / 1000).toFixed(1)} s sampled (start-up, sign-ups and shutdown included)\n\ntop frames by self time:`);
  for (const [frame, ms] of frames.slice(0, top)) console.log(`${share(ms)}  ${frame}`);
  console.log("\nnative frames by their nearest JavaScript caller:");
  for (const [frame, ms] of nativeByCaller.slice(0, top)) console.log(`${share(ms)}  ${frame}`);
  console.log("\nself time per file:");
  for (const [name, ms] of files.slice(0, top)) console.log(`${share(ms)}  ${name}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
