/**
 * Keyed plays against a big key table (issue 8 item 3): every play carries a fresh
 * Idempotency-Key, on a real server process (`bun src/index.ts`, SQLite), once on a fresh
 * database and once on the same with `--keys` (default 200,000) keys already stored. The keys
 * are written straight into the SQLite file while the server is stopped, spread over the
 * playing users (the key table's primary key is (user_id, key): the worst case for a lookup),
 * with `created_at` now so that the purge keeps them. Then the server starts again and plays.
 *
 * Figures per variant: keyed plays/s and server CPU µs per play (32 loops, `--seconds` each
 * round after a warm-up), and GET /health p50 (sequential, idle, after the plays). The
 * variants alternate, round after round; the ratio stored ÷ fresh is taken per round, then
 * the median (target: plays/s within 10 %). At the end of each round the file must hold
 * every stored key plus one per answered play, or the run fails.
 *
 * Run: `bun bench/micro/idempotency-keys.ts [--quick] [--rounds=N] [--keys=N] [--seconds=N]`.
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { signAccessToken } from "../lib/jwt.mjs";
import { positiveInteger } from "../lib/options.ts";
import { cpuSeconds, installCleanup, type ServerProcess } from "../lib/proc.ts";
import { median, quantile } from "../lib/stats.ts";
import { oursAccounts, oursEnv, startOurs } from "../targets/ours.ts";

const PLAYERS = 32;
const CONCURRENCY = 32;
const WARMUP_MS = 1500;
const HEALTH_SAMPLES = 300;
/** How clients make their keys: random (UUIDv4, the default) or time-ordered (UUIDv7, each new key sorts after the last). */
const KEY_KINDS = { uuid4: () => crypto.randomUUID(), uuid7: () => Bun.randomUUIDv7() };
const REQUEST_TIMEOUT_MS = 10_000;

function options() {
  const args = new Map(process.argv.slice(2).map((arg) => {
    const match = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unexpected argument ${arg}`);
    return [match[1]!, match[2]] as const;
  }));
  const known = new Set(["quick", "rounds", "keys", "seconds", "key-kind"]);
  for (const name of args.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}; use --quick, --rounds=N, --keys=N, --seconds=N, --key-kind=uuid4|uuid7`);
  const keyKind = args.get("key-kind") ?? "uuid4";
  if (!(keyKind in KEY_KINDS)) throw new Error("--key-kind is uuid4 (random, the default) or uuid7 (time-ordered)");
  const number = (name: string, fallback: number) => positiveInteger(name, args.get(name), fallback);
  const quick = args.has("quick");
  return { quick, keyKind: keyKind as keyof typeof KEY_KINDS, rounds: number("rounds", quick ? 1 : 5), keys: number("keys", quick ? 20_000 : 200_000), seconds: number("seconds", quick ? 1 : 4) };
}

type Variant = { name: string; storedKeys: number };
type Figures = { playsPerSecond: number; cpuUsPerPlay: number; healthP50Ms: number; errors: number };

/** Fills the key table of a stopped server's SQLite file with `count` keys of `userIds`, created now. */
function storeKeys(file: string, userIds: number[], count: number): void {
  const db = new Database(file);
  try {
    db.run("PRAGMA busy_timeout = 5000");
    const insert = db.prepare("INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, 200, ?, ?)");
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const userId = userIds[i % userIds.length]!;
        const response = JSON.stringify({ event_id: `${userId}-${i + 1}`, game_type: "slot", bet: "1.00", result: { reels: ["bell", "bar", "seven"], payout: "0.00" }, balance: "999999.00" });
        insert.run(userId, crypto.randomUUID(), "0".repeat(64), response, now - (i % 3_600_000));
      }
    })();
  } finally {
    db.close();
  }
}

function countKeys(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.query("SELECT count(*) AS n FROM idempotency_keys").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Keyed plays from CONCURRENCY loops for `ms`; answered plays, failures, and the server's CPU. */
async function keyedPlays(server: ServerProcess, tokens: string[], ms: number, newKey: () => string): Promise<{ plays: number; errors: number; seconds: number; cpu: number; firstError?: string }> {
  const url = `${server.url}/api/games/slot/spin`;
  const body = JSON.stringify({ bet: 1 });
  let plays = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpuBefore = cpuSeconds(server.pid);
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, loop) => {
      const headers = { authorization: `Bearer ${tokens[loop % tokens.length]}`, "content-type": "application/json" };
      while (performance.now() < deadline && errors < 100) {
        try {
          const response = await fetch(url, { method: "POST", headers: { ...headers, "idempotency-key": newKey() }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          const text = await response.text();
          if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 200)}`);
          plays++;
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    }),
  );
  return { plays, errors, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(server.pid) - cpuBefore, firstError };
}

async function healthP50(server: ServerProcess): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < HEALTH_SAMPLES; i++) {
    const sent = performance.now();
    const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`/health answered ${response.status}`);
    samples.push(performance.now() - sent);
  }
  return quantile(samples, 0.5);
}

async function runVariant(variant: Variant, secret: string, seconds: number, newKey: () => string): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), "bench-keys-"));
  const file = join(dir, "bench.sqlite");
  const env = oursEnv(secret, `sqlite://${file}`);
  const accounts = oursAccounts(secret);
  try {
    // First start: the migrations and the users; then the keys go in while nothing holds the file.
    let server = await startOurs(env);
    const userIds = await accounts.prepareUsers(server, PLAYERS).finally(() => server.stop());
    if (variant.storedKeys > 0) storeKeys(file, userIds, variant.storedKeys);
    server = await startOurs(env);
    let answered = 0;
    try {
      const tokens = userIds.map((userId) => signAccessToken(secret, userId, "user"));
      answered += (await keyedPlays(server, tokens, WARMUP_MS, newKey)).plays;
      const run = await keyedPlays(server, tokens, seconds * 1000, newKey);
      if (run.plays === 0) throw new Error(`no keyed play succeeded: ${run.firstError}`);
      if (run.errors > 0) console.warn(`  ${variant.name}: ${run.errors} plays failed, the first with ${run.firstError}`);
      answered += run.plays;
      const health = await healthP50(server);
      await server.stop();
      const keys = countKeys(file);
      if (keys !== variant.storedKeys + answered) throw new Error(`${variant.name}: the file holds ${keys} keys, expected ${variant.storedKeys} stored + ${answered} played`);
      return { playsPerSecond: run.plays / run.seconds, cpuUsPerPlay: (run.cpu * 1e6) / run.plays, healthP50Ms: health, errors: run.errors };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  installCleanup();
  const { quick, keyKind, rounds, keys, seconds } = options();
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const variants: Variant[] = [
    { name: "fresh database", storedKeys: 0 },
    { name: `${keys.toLocaleString("en-US")} stored keys`, storedKeys: keys },
  ];
  const load = loadavg();
  console.log(`idempotency keys${quick ? " (quick: checks, not results)" : ""}: ${rounds} round(s), ${CONCURRENCY} loops × ${seconds} s of keyed plays (${keyKind} keys), load average ${load.map((l) => l.toFixed(1)).join(" ")}`);
  const results = variants.map(() => [] as Figures[]);
  for (let round = 1; round <= rounds; round++) {
    for (const [i, variant] of variants.entries()) {
      const figures = await runVariant(variant, secret, seconds, KEY_KINDS[keyKind]);
      results[i]!.push(figures);
      console.log(`round ${round} ${variant.name}: ${figures.playsPerSecond.toFixed(0)} keyed plays/s, ${figures.cpuUsPerPlay.toFixed(0)} µs CPU/play, /health p50 ${figures.healthP50Ms.toFixed(2)} ms`);
    }
  }
  const perRound = (f: (x: Figures) => number) => results[1]!.map((stored, round) => f(stored) / f(results[0]![round]!));
  console.log("\nvariant | keyed plays/s | server CPU µs/play | /health p50 ms   (median of rounds)");
  for (const [i, variant] of variants.entries()) {
    const m = (f: (x: Figures) => number) => median(results[i]!.map(f));
    console.log(`${variant.name} | ${m((x) => x.playsPerSecond).toFixed(0)} | ${m((x) => x.cpuUsPerPlay).toFixed(0)} | ${m((x) => x.healthP50Ms).toFixed(2)}`);
  }
  console.log(
    `stored ÷ fresh, median of per-round ratios: plays/s ${median(perRound((x) => x.playsPerSecond)).toFixed(3)} (target ≥ 0.90), ` +
      `CPU/play ${median(perRound((x) => x.cpuUsPerPlay)).toFixed(3)}, /health p50 ${median(perRound((x) => x.healthP50Ms)).toFixed(3)}`,
  );
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
