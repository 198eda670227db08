/**
 * A/B of cluster variants in one run, alternating (A B C A B C …), for finding what a change
 * costs: each variant is our server from a source tree (this checkout or another, e.g. an old
 * commit unpacked with `git archive`) with extra environment, on N instances (each on a fresh
 * PostgreSQL database of one shared PostgreSQL, joined by one Redis when N > 1), or Socket.IO ×N
 * with its Redis adapter. Figures per round: plays/s, server CPU µs per play (all instances),
 * p99 play-to-socket (across instances when N > 1), events lost; then each variant's median
 * and its ratio to the first variant's, per round.
 *
 * Run: `bun bench/cluster/ab.ts --rounds=3 --seconds=3 --variant 'name|instances|root|ENV=V,ENV=V' …`
 * (`root` `.` for this checkout, `socket.io` for the Socket.IO peer; ENV part optional).
 */
import { RedisClient } from "bun";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { loadavg } from "node:os";
import { spawnAgent } from "../lib/agent.ts";
import { installCleanup, leashed, startServer, type ServerProcess } from "../lib/proc.ts";
import { redisUrl, stopServices } from "../lib/services.ts";
import { freshPostgresUrl } from "../../tests/support/postgres.ts";
import { profileFor } from "../profiles.ts";
import type { SessionContext } from "../scenarios/context.ts";
import { runPlays } from "../scenarios/play.ts";
import { oursAccounts, oursEnv, oursTarget } from "../targets/ours.ts";
import { socketIoTarget } from "../targets/peers.ts";
import type { Target } from "../targets/target.ts";

type Variant = { name: string; instances: number; root: string; env: Record<string, string> };
type Figures = { plays: number; cpu: number; p99: number; lost: number };

function parse(): { rounds: number; seconds: number; variants: Variant[] } {
  let rounds = 3;
  let seconds = 3;
  const variants: Variant[] = [];
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--rounds=")) rounds = Number(arg.slice(9));
    else if (arg.startsWith("--seconds=")) seconds = Number(arg.slice(10));
    else if (arg === "--variant" || arg.startsWith("--variant=")) {
      const spec = arg === "--variant" ? argv[++i]! : arg.slice(10);
      const [name, instances, root, envText] = spec.split("|");
      const env = Object.fromEntries((envText ?? "").split(",").filter(Boolean).map((pair) => pair.split("=") as [string, string]));
      variants.push({ name: name!, instances: Number(instances), root: root === "." || root === "socket.io" ? root : resolve(root!), env });
    } else throw new Error(`unexpected argument ${arg}`);
  }
  if (variants.length === 0) throw new Error("give at least one --variant 'name|instances|root|ENV=V'");
  return { rounds, seconds, variants };
}

const HERE = join(import.meta.dir, "..", "..");

/** Calls per command on the run's Redis so far (INFO commandstats). */
async function commandStats(): Promise<Map<string, number>> {
  const client = new RedisClient(await redisUrl());
  try {
    const text = String(await client.send("INFO", ["commandstats"]));
    return new Map([...text.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  } finally {
    client.close();
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function startVariant(variant: Variant, secret: string, accounts: ReturnType<typeof oursAccounts>, databaseUrl: string): Promise<{ servers: ServerProcess[]; userIds: number[]; adminId: number; target: Target }> {
  const players = profileFor(false).players;
  if (variant.root === "socket.io") {
    const target = socketIoTarget(secret);
    const started = await target.startCluster!(variant.instances);
    return { servers: started.servers, userIds: await started.prepareUsers(players), adminId: await started.prepareAdmin(), target };
  }
  const root = variant.root === "." ? HERE : variant.root;
  const extra: Record<string, string> = variant.instances > 1 ? { REDIS_URL: await redisUrl() } : {};
  const env = oursEnv(secret, databaseUrl, { ...extra, ...variant.env });
  const servers: ServerProcess[] = [];
  for (let i = 0; i < variant.instances; i++) {
    const [runtime, ...rest] = leashed("bun", join(root, "src", "index.ts"));
    servers.push(await startServer({ name: `${variant.name} #${i + 1}`, cmd: [runtime!, ...rest], cwd: root, timeoutMs: 30_000, env }));
  }
  return { servers, userIds: await accounts.prepareUsers(servers[0]!, players), adminId: await accounts.prepareAdmin(servers[0]!), target: oursTarget(secret) };
}

async function main(): Promise<void> {
  installCleanup();
  const { rounds, seconds, variants } = parse();
  const secret = randomBytes(32).toString("base64url");
  const profile = profileFor(false);
  const agent = spawnAgent("player agent");
  const state = new Map<string, { accounts: ReturnType<typeof oursAccounts>; databaseUrl: string }>();
  const results = new Map<string, Figures[]>(variants.map((v) => [v.name, []]));
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) {
        let own = state.get(variant.name);
        if (!own) state.set(variant.name, (own = { accounts: oursAccounts(secret), databaseUrl: variant.root === "socket.io" ? "" : await freshPostgresUrl() }));
        const { servers, userIds, adminId, target } = await startVariant(variant, secret, own.accounts, own.databaseUrl);
        try {
          const ctx: SessionContext = {
            target,
            server: servers[0]!,
            instances: servers.length > 1 ? servers : undefined,
            profile,
            players: userIds.map((userId) => ({ userId, token: target.mintToken(userId, "user") })),
            idleTokens: [],
            adminToken: target.mintToken(adminId, "admin"),
            player: agent,
            crowd: agent,
          };
          const options = { monitors: profile.play.monitors, concurrency: profile.play.concurrency };
          await runPlays(ctx, { ...options, durationMs: profile.warmupMs });
          const statsBefore = variant.instances > 1 ? await commandStats() : undefined;
          const { result, cpuSeconds } = await runPlays(ctx, { ...options, durationMs: seconds * 1000 });
          if (statsBefore) {
            const after = await commandStats();
            const perPlay = [...after].map(([command, calls]) => [command, (calls - (statsBefore.get(command) ?? 0)) / result.plays] as const).filter(([, n]) => n >= 0.01);
            console.log(`  Redis commands per play: ${perPlay.sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n.toFixed(2)}`).join(", ")}`);
          }
          const figures = {
            plays: result.plays / result.elapsedSeconds,
            cpu: (cpuSeconds * 1e6) / result.plays,
            p99: result.latencyMs.p99,
            lost: result.expectedDeliveries - result.userDeliveries - result.monitorDeliveries,
          };
          results.get(variant.name)!.push(figures);
          console.log(`round ${round} ${variant.name.padEnd(16)} ${figures.plays.toFixed(0).padStart(6)} plays/s  ${figures.cpu.toFixed(0).padStart(5)} µs/play  p99 ${figures.p99.toFixed(2)} ms  lost ${figures.lost}  (load ${loadavg()[0]!.toFixed(2)})`);
        } finally {
          await Promise.all(servers.map((server) => server.stop()));
        }
      }
    }
  } finally {
    await agent.stop();
    await stopServices();
  }
  const base = results.get(variants[0]!.name)!;
  console.log(`\nmedians, and the median of per-round ratios to ${variants[0]!.name}:`);
  for (const variant of variants) {
    const rows = results.get(variant.name)!;
    const ratio = (key: keyof Figures) => median(rows.map((row, i) => row[key] / base[i]![key])).toFixed(2);
    console.log(
      `${variant.name.padEnd(16)} ${median(rows.map((r) => r.plays)).toFixed(0).padStart(6)} plays/s (${ratio("plays")}×)  ${median(rows.map((r) => r.cpu)).toFixed(0).padStart(5)} µs/play (${ratio("cpu")}×)  p99 ${median(rows.map((r) => r.p99)).toFixed(2)} ms (${ratio("p99")}×)  lost ${rows.map((r) => r.lost).join("/")}`,
    );
  }
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  },
);
