/**
 * The benchmark harness: `bun run bench` (full, about 10 minutes on 2 cores) or
 * `bun run bench --quick` (a smoke run of about 20 seconds). Options: `--rounds=N`,
 * `--targets=ceiling,ours,node-ws,socket.io`, `--compare <summary>` (the run's ratios against an
 * earlier run's summary), `--compare <summary> --only-print [<summary>]` (two summaries, no run;
 * the second defaults to the newest in bench/results/).
 *
 * Targets run one after the other, round after round (A B C A B C …); every figure is then
 * reported as ratios to the other targets measured in the same run, because on a shared,
 * noisy 2-core machine only comparisons made minutes apart mean anything.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { spawnAgent } from "./lib/agent.ts";
import { installCleanup, NODE, openFileLimit } from "./lib/proc.ts";
import { stopServices } from "./lib/services.ts";
import { openFilesNeeded, profileFor, type Profile } from "./profiles.ts";
import { formatMarkdown, formatText, summarize, type RoundRecord } from "./report.ts";
import { runSession } from "./scenarios/session.ts";
import { measureCluster } from "./scenarios/cluster.ts";
import { measureStorm } from "./scenarios/storm.ts";
import { compareSummaries, formatComparison, makeSummary, parseSummary, summaryFileName, type Summary } from "./summary.ts";
import { isOursAvailable, oursTarget } from "./targets/ours.ts";
import { ceilingTarget, nodeWsTarget, socketIoTarget } from "./targets/peers.ts";
import type { Target } from "./targets/target.ts";

const RESULTS_DIR = join(import.meta.dir, "results");

/** `--name=value` or `--name value`; a value never starts with `--`. */
function parseArgs(argv: string[]) {
  const values = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) throw new Error(`unexpected argument ${argv[i]}`);
    let value = match[2];
    if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) value = argv[++i];
    values.set(match[1]!, value);
  }
  const known = new Set(["quick", "rounds", "targets", "compare", "only-print"]);
  const unknown = [...values.keys()].filter((name) => !known.has(name));
  if (unknown.length > 0) throw new Error(`unknown option --${unknown.join(", --")}; use --quick, --rounds=N, --targets=a,b, --compare <summary> [--only-print [<summary>]]`);
  const rounds = values.get("rounds");
  if (rounds !== undefined && !/^[1-9]\d*$/.test(rounds)) throw new Error("--rounds needs a positive integer");
  if (values.has("compare") && !values.get("compare")) throw new Error("--compare needs a summary file");
  if (values.has("only-print") && !values.has("compare")) throw new Error("--only-print goes with --compare <summary>");
  return {
    quick: values.has("quick"),
    rounds: rounds ? Number(rounds) : undefined,
    targets: values.get("targets")?.split(","),
    compare: values.get("compare"),
    onlyPrint: values.has("only-print") ? { against: values.get("only-print") } : undefined,
  };
}

function readSummary(file: string): Summary {
  return parseSummary(readFileSync(file, "utf8"), file);
}

/** The newest summary in bench/results/ other than `except` (names sort by time). */
function newestSummary(except: string): string {
  const names = readdirSync(RESULTS_DIR).filter((name) => name.startsWith("summary-") && name.endsWith(".json")).sort();
  const newest = names.reverse().find((name) => join(RESULTS_DIR, name) !== resolve(except));
  if (!newest) throw new Error(`no other summary in ${RESULTS_DIR} to compare with`);
  return join(RESULTS_DIR, newest);
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
        try {
          measurements.push(...(await measureStorm(target, profile, agents.crowd)));
        } catch (error) {
          errors.push(`storm: ${error instanceof Error ? error.message : String(error)}`);
        }
        try {
          measurements.push(...(await measureCluster(target, profile, agents)));
        } catch (error) {
          errors.push(`cluster: ${error instanceof Error ? error.message : String(error)}`);
        }
        records.push({ round, target: target.name, measurements, errors });
        const seconds = ((performance.now() - began) / 1000).toFixed(1);
        console.log(`round ${round}/${profile.rounds} ${target.name}: ${seconds} s${errors.length > 0 ? `, ${errors.length} failed step(s)` : ""}`);
        for (const error of errors) console.log(`  ! ${error}`);
      }
    }
  } finally {
    await Promise.all([agents.player.stop(), agents.crowd.stop(), ...targets.map((t) => t.dispose())]);
    await stopServices();
  }
  return records;
}

async function main(): Promise<void> {
  installCleanup();
  const args = parseArgs(process.argv.slice(2));
  if (args.compare && args.onlyPrint) {
    const after = args.onlyPrint.against ?? newestSummary(args.compare);
    const [older, newer] = [readSummary(args.compare), readSummary(after)];
    console.log(formatComparison(older, newer, compareSummaries(older, newer)));
    return;
  }
  const baseline = args.compare ? readSummary(args.compare) : undefined; // fail before a long run, not after
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
  // The small per-commit summary is kept in git (see .gitignore), the round files are not.
  const trend = makeSummary({ commit: source.commit, dirty: source.dirty, date: startedAt, profile: profile.name, rounds: profile.rounds, loadAverage: result.loadAverage, rows: summary });
  const trendFile = join(RESULTS_DIR, summaryFileName(trend));
  writeFileSync(trendFile, `${JSON.stringify(trend, null, 2)}\n`);
  if (baseline) console.log(`\n${formatComparison(baseline, trend, compareSummaries(baseline, trend))}`);
  console.log(`\n${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s; results in ${file}.json (and .md), summary in ${trendFile}`);
  clearTimeout(watchdog);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
