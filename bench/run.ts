/**
 * The benchmark harness: `bun run bench` (full, about 7 minutes on 2 cores) or
 * `bun run bench --quick` (a smoke run of about 9 seconds). Options: `--rounds=N`,
 * `--targets=ceiling,ours,node-ws,socket.io`.
 *
 * Targets run one after the other, round after round (A B C A B C …); every figure is then
 * reported as ratios to the other targets measured in the same run, because on a shared,
 * noisy 2-core machine only comparisons made minutes apart mean anything.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { spawnAgent } from "./lib/agent.ts";
import { installCleanup, NODE, openFileLimit } from "./lib/proc.ts";
import { openFilesNeeded, profileFor, type Profile } from "./profiles.ts";
import { formatMarkdown, formatText, summarize, type RoundRecord } from "./report.ts";
import { runSession } from "./scenarios/session.ts";
import { isOursAvailable, oursTarget } from "./targets/ours.ts";
import { ceilingTarget, nodeWsTarget, socketIoTarget } from "./targets/peers.ts";
import type { Target } from "./targets/target.ts";

const RESULTS_DIR = join(import.meta.dir, "results");

function parseArgs(argv: string[]) {
  const option = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
  const unknown = argv.filter((arg) => !/^--(quick|rounds=[1-9]\d*|targets=[\w.,-]+)$/.test(arg));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(" ")}; use --quick, --rounds=N, --targets=a,b`);
  const rounds = option("rounds");
  return { quick: argv.includes("--quick"), rounds: rounds ? Number(rounds) : undefined, targets: option("targets")?.split(",") };
}

function chooseTargets(secret: string, wanted: string[] | undefined): Target[] {
  if (!isOursAvailable()) console.warn("note: src/index.ts does not exist; running the reference targets only");
  const all = [ceilingTarget(secret), ...(isOursAvailable() ? [oursTarget(secret)] : []), nodeWsTarget(secret), socketIoTarget(secret)];
  if (!wanted) return all;
  const unknown = wanted.filter((name) => !all.some((t) => t.name === name));
  if (unknown.length > 0) throw new Error(`unknown or unavailable target ${unknown.join(", ")}; have ${all.map((t) => t.name).join(", ")}`);
  return all.filter((t) => wanted.includes(t.name));
}

function describeMachine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    kernel: release(),
    bun: Bun.version,
    node: Bun.spawnSync([NODE, "--version"]).stdout.toString().trim(),
  };
}

/** The commit measured; `dirty` when src/ had uncommitted changes (as it may while the server is being written). */
function describeSource() {
  const git = (...args: string[]) => Bun.spawnSync(["git", ...args], { cwd: join(import.meta.dir, "..") }).stdout.toString().trim();
  return { commit: git("rev-parse", "--short", "HEAD"), dirty: git("status", "--porcelain", "--", "src").length > 0 };
}

function describeProfile(p: Profile): string {
  return [
    `${p.rounds} round(s); play path: ${p.players} players (1 socket each), ${p.play.monitors} monitors, ${p.play.concurrency} loops × ${p.play.durationMs} ms`,
    `scale: ${p.idleCounts.join(", ")} idle sockets over ${p.idleUsers} users; fan-out: ${p.fanout.monitors} monitors, ${p.fanout.concurrency} loops × ${p.fanout.durationMs} ms`,
  ].join("\n");
}

/** Every target once per round, in the same order each round. */
async function runRounds(targets: Target[], profile: Profile): Promise<RoundRecord[]> {
  const agents = { player: spawnAgent("player agent"), crowd: spawnAgent("crowd agent") };
  const records: RoundRecord[] = [];
  try {
    for (let round = 1; round <= profile.rounds; round++) {
      for (const target of targets) {
        const began = performance.now();
        const { measurements, errors } = await runSession(target, profile, agents);
        records.push({ round, target: target.name, measurements, errors });
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        console.log(`round ${round}/${profile.rounds} ${target.name}: ${seconds} s${errors.length > 0 ? `, ${errors.length} failed step(s)` : ""}`);
        for (const error of errors) console.log(`  ! ${error}`);
      }
    }
  } finally {
    await Promise.all([agents.player.stop(), agents.crowd.stop(), ...targets.map((t) => t.dispose())]);
  }
  return records;
}

async function main(): Promise<void> {
  installCleanup();
  const args = parseArgs(process.argv.slice(2));
  const profile: Profile = { ...profileFor(args.quick), ...(args.rounds ? { rounds: args.rounds } : {}) };
  const openFiles = openFilesNeeded(profile);
  if (openFileLimit() < openFiles) {
    throw new Error(`this profile needs ${openFiles} open files per process, the limit is ${openFileLimit()}: raise ulimit -Hn, or use --quick`);
  }
  const deadlineMs = profile.rounds * profile.roundDeadlineMs;
  const watchdog = setTimeout(() => {
    console.error(`\nthe run passed its ${(deadlineMs / 60_000).toFixed(0)} min deadline: aborting`);
    process.exit(2); // the exit handler kills every child
  }, deadlineMs);

  // One secret for the whole run: the harness signs every token itself.
  const secret = randomBytes(32).toString("base64url");
  const targets = chooseTargets(secret, args.targets);
  const startedAt = new Date();
  const loadAtStart = loadavg(); // the machine is shared: the load around the run says how far to trust it
  const source = describeSource();
  console.log(`bench ${profile.name}, ${startedAt.toISOString()}, at ${source.commit}${source.dirty ? " (src/ modified)" : ""}`);
  console.log(`targets: ${targets.map((t) => t.name).join(", ")}`);
  console.log(describeProfile(profile));

  const records = await runRounds(targets, profile);

  const names = targets.map((t) => t.name);
  const summary = summarize(records, names, profile.rounds);
  const finishedAt = new Date();
  console.log(`\nratios: row target ÷ column target, median of per-round ratios (↑ higher is better, ↓ lower is better)\n`);
  console.log(formatText(summary, names));
  if (profile.caveat) console.log(`\nnote: ${profile.caveat}`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, "-")}${profile.name === "quick" ? "-quick" : ""}`);
  const result = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine: describeMachine(),
    source,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
    profile,
    targets: targets.map(({ name, description, streams }) => ({ name, description, streams })),
    rounds: records,
    summary,
  };
  writeFileSync(`${file}.json`, JSON.stringify(result, null, 2));
  writeFileSync(`${file}.md`, `${formatMarkdown(summary, names)}\n`);
  console.log(`\n${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s; results in ${file}.json (and .md)`);
  clearTimeout(watchdog);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
