/**
 * Micro-benchmark: the ledger's batch (the statements of `Ledger.applyBatch` in
 * src/wallet/ledger.ts as they were when this was written, 2ec3458) through `Bun.SQL`
 * (`sqlite://`, what the server used then) against `bun:sqlite` directly, in two shapes:
 *
 * - `bun:sqlite multi-row`: the same multi-row statements, one prepared statement cached per
 *   row count (a VALUES list of 5 rows is a different statement from one of 6);
 * - `bun:sqlite per-row`: one statement per row, each prepared once, all inside one transaction.
 *
 * One deliberate difference from the ledger of then: it looked a batch's Idempotency-Keys up with
 * `WHERE key IN (…)`, which SQLite answers by scanning the whole key index (the primary key is
 * (user_id, key)), so its cost grows with the table; here every driver adds `user_id IN (…)`,
 * which makes it an index search (EXPLAIN QUERY PLAN: SEARCH … (user_id=? AND key=?)). The
 * ledger now looks keys up by (user_id, key) too, and runs on `bun:sqlite` per-row statements
 * by default: `bench/micro/ledger-store.ts` measures the real ledger through both stores.
 *
 * Each driver has its own SQLite file (same schema: the server's migrations; same pragmas: read
 * back and compared before anything is measured). Drivers alternate, round after round, and the
 * figure is the process's CPU time (user + system, all threads) per play; ratios are per round,
 * then the median. Run: `bun bench/micro/ledger-driver.ts [--quick] [--rounds=N] [--batches=N]`.
 */
import { Database, type Statement } from "bun:sqlite";
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { migrations } from "../../src/storage/migrations.ts";
import { Params } from "../../src/storage/params.ts";
import { optionValue, positiveInteger } from "../lib/options.ts";
import { median } from "../lib/stats.ts";

const BATCH = 16;
const ACCOUNTS = 32;
const START_BALANCE = 1_000_000_000;

/** The server's SQLite pragmas (src/storage/index.ts), set alike on every connection. */
const PRAGMAS = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"];
/** Read back from each connection: equal values prove equal durability and behaviour. */
const CHECKED = ["journal_mode", "synchronous", "foreign_keys", "busy_timeout", "page_size", "cache_size", "wal_autocheckpoint", "locking_mode", "temp_store"];

/** One play as the batch writes it; the JSON texts are made beforehand, alike for every driver. */
type Play = { userId: number; betMinor: number; payoutMinor: number; key: string; requestHash: string; payload: string; response: string };
type Account = { balance: number; seq: number; readSeq: number };

interface Driver {
  name: string;
  setup(statements: string[]): Promise<void>;
  pragmas(): Promise<Record<string, string>>;
  runBatch(plays: Play[]): Promise<void> | void;
  count(table: "events" | "idempotency_keys"): Promise<number>;
  close(): Promise<void> | void;
}

let keySerial = 0;
function makeBatch(): Play[] {
  return Array.from({ length: BATCH }, () => {
    const userId = 1 + Math.floor(Math.random() * ACCOUNTS);
    const payoutMinor = Math.random() < 0.3 ? 300 : 0;
    const key = `k-${++keySerial}-${Math.random().toString(36).slice(2)}`;
    const payload = JSON.stringify({ type: "game_event", event_id: `${userId}-${keySerial}`, game_type: "slot", user_id: userId, bet: "1.00", result: { reels: ["A", "B", "C"], payout: (payoutMinor / 100).toFixed(2) }, ts: new Date().toISOString() });
    return { userId, betMinor: 100, payoutMinor, key, requestHash: "h".repeat(64), payload, response: payload.replace("game_event", "play") };
  });
}

/** The batch's in-memory part, the same for every driver: move each account along, play by play. */
function settle(plays: Play[], accounts: Map<number, Account>, now: number) {
  const events: [number, number, string, number, number, string, number][] = [];
  const keys: [number, string, string, number, string, number][] = [];
  for (const p of plays) {
    const account = accounts.get(p.userId);
    if (!account || account.balance < p.betMinor) throw new Error(`account ${p.userId} cannot pay`);
    account.balance += p.payoutMinor - p.betMinor;
    account.seq += 1;
    events.push([p.userId, account.seq, "slot", p.betMinor, p.payoutMinor, p.payload, now]);
    keys.push([p.userId, p.key, p.requestHash, 200, p.response, now]);
  }
  const moved = [...accounts].filter(([, a]) => a.seq !== a.readSeq);
  return { events, keys, moved };
}

const toAccounts = (rows: { id: number; balance: number; event_seq: number }[]) =>
  new Map(rows.map((r) => [Number(r.id), { balance: Number(r.balance), seq: Number(r.event_seq), readSeq: Number(r.event_seq) }]));

const GUARD_FAILED = "an account changed while its batch was settled";
const EVENT_COLUMNS = "user_id, seq, game_type, bet, payout, payload, created_at";
const KEY_COLUMNS = "user_id, key, request_hash, status, response, created_at";

/** Bun.SQL, exactly as the ledger calls it. */
function bunSqlDriver(file: string): Driver {
  const sql = new SQL(`sqlite://${file}`);
  return {
    name: "Bun.SQL",
    async setup(statements) {
      for (const s of [...PRAGMAS, ...statements]) await sql.unsafe(s);
    },
    async pragmas() {
      const out: Record<string, string> = {};
      for (const name of CHECKED) out[name] = String(Object.values((await sql.unsafe(`PRAGMA ${name}`))[0] ?? {})[0]);
      return out;
    },
    async runBatch(plays) {
      await sql.begin(async (tx) => {
        const taken = await tx`SELECT user_id, key FROM idempotency_keys WHERE user_id IN ${tx(unique(plays.map((p) => p.userId)))} AND key IN ${tx(plays.map((p) => p.key))}`;
        if (taken.length > 0) throw new Error("a fresh key was taken");
        const readParams = new Params("sqlite");
        const ids = [...new Set(plays.map((p) => p.userId))].map((id) => readParams.add(id));
        const accounts = toAccounts(await tx.unsafe(`SELECT id, balance, event_seq FROM users WHERE id IN (${ids.join(", ")})`, readParams.values));
        const { events, keys, moved } = settle(plays, accounts, Date.now());
        const params = new Params("sqlite");
        const values = moved.map(([id, a]) => `(${params.add(id, "BIGINT")}, ${params.add(a.balance, "BIGINT")}, ${params.add(a.seq, "BIGINT")}, ${params.add(a.readSeq, "BIGINT")})`);
        const updated = await tx.unsafe(
          `UPDATE users SET balance = v.column2, event_seq = v.column3
           FROM (VALUES ${values.join(", ")}) AS v
           WHERE users.id = v.column1 AND users.event_seq = v.column4`,
          params.values,
        );
        if (updated.count !== values.length) throw new Error(GUARD_FAILED);
        const eventRows = events.map(([user_id, seq, game_type, bet, payout, payload, created_at]) => ({ user_id, seq, game_type, bet, payout, payload, created_at }));
        await tx`INSERT INTO events ${tx(eventRows)}`;
        const keyRows = keys.map(([user_id, key, request_hash, status, response, created_at]) => ({ user_id, key, request_hash, status, response, created_at }));
        await tx`INSERT INTO idempotency_keys ${tx(keyRows)}`;
      });
    },
    async count(table) {
      return Number((await sql.unsafe(`SELECT count(*) AS n FROM ${table}`))[0].n);
    },
    close: () => sql.close(),
  };
}

/** bun:sqlite, common part: the connection, its pragmas and counts. */
function bunSqliteBase(file: string) {
  const db = new Database(file, { create: true, strict: true });
  return {
    db,
    async setup(statements: string[]) {
      for (const s of [...PRAGMAS, ...statements]) db.run(s);
    },
    async pragmas() {
      const out: Record<string, string> = {};
      for (const name of CHECKED) out[name] = String(Object.values(db.query(`PRAGMA ${name}`).get() as object)[0]);
      return out;
    },
    async count(table: string) {
      return (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    },
    close: () => db.close(),
  };
}

const unique = (values: number[]) => [...new Set(values)];
const list = (n: number) => Array(n).fill("?").join(", ");
const placeholders = (rows: number, perRow: number) => Array.from({ length: rows }, () => `(${Array(perRow).fill("?").join(", ")})`).join(", ");

/** bun:sqlite with the ledger's multi-row statements, one prepared statement per row count. */
function bunSqliteMultiRow(file: string): Driver {
  const base = bunSqliteBase(file);
  const { db } = base;
  const cache = new Map<string, Statement>();
  const prepared = (kind: string, rows: number, build: () => string) => {
    const name = `${kind}/${rows}`;
    let statement = cache.get(name);
    if (!statement) cache.set(name, (statement = db.prepare(build())));
    return statement;
  };
  const batch = db.transaction((plays: Play[]) => {
    const keyList = plays.map((p) => p.key);
    const users = unique(plays.map((p) => p.userId));
    const taken = prepared("taken", keyList.length * 1000 + users.length, () => `SELECT user_id, key FROM idempotency_keys WHERE user_id IN (${list(users.length)}) AND key IN (${list(keyList.length)})`).all(...users, ...keyList);
    if (taken.length > 0) throw new Error("a fresh key was taken");
    const ids = users;
    const read = prepared("read", ids.length, () => `SELECT id, balance, event_seq FROM users WHERE id IN (${list(ids.length)})`);
    const accounts = toAccounts(read.all(...ids) as { id: number; balance: number; event_seq: number }[]);
    const { events, keys, moved } = settle(plays, accounts, Date.now());
    const update = prepared("update", moved.length, () => {
      const values = Array.from({ length: moved.length }, () => "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))").join(", ");
      return `UPDATE users SET balance = v.column2, event_seq = v.column3 FROM (VALUES ${values}) AS v WHERE users.id = v.column1 AND users.event_seq = v.column4`;
    });
    const { changes } = update.run(...moved.flatMap(([id, a]) => [id, a.balance, a.seq, a.readSeq]));
    if (changes !== moved.length) throw new Error(GUARD_FAILED);
    prepared("events", events.length, () => `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${placeholders(events.length, 7)}`).run(...events.flat());
    prepared("keys", keys.length, () => `INSERT INTO idempotency_keys (${KEY_COLUMNS}) VALUES ${placeholders(keys.length, 6)}`).run(...keys.flat());
  });
  return { ...base, name: "bun:sqlite multi-row", runBatch: (plays) => void batch(plays) };
}

/** bun:sqlite with one single-row statement per row, each prepared once, in one transaction. */
function bunSqlitePerRow(file: string): Driver {
  const base = bunSqliteBase(file);
  const { db } = base;
  let statements: Record<"taken" | "read" | "update" | "event" | "key", Statement> | undefined;
  const prepare = () => ({
    taken: db.prepare("SELECT user_id FROM idempotency_keys WHERE user_id = ? AND key = ?"),
    read: db.prepare("SELECT id, balance, event_seq FROM users WHERE id = ?"),
    update: db.prepare("UPDATE users SET balance = ?, event_seq = ? WHERE id = ? AND event_seq = ?"),
    event: db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES ${placeholders(1, 7)}`),
    key: db.prepare(`INSERT INTO idempotency_keys (${KEY_COLUMNS}) VALUES ${placeholders(1, 6)}`),
  });
  const batch = db.transaction((plays: Play[]) => {
    const s = (statements ??= prepare());
    for (const p of plays) if (s.taken.get(p.userId, p.key)) throw new Error("a fresh key was taken");
    const rows = [...new Set(plays.map((p) => p.userId))].map((id) => s.read.get(id) as { id: number; balance: number; event_seq: number });
    const accounts = toAccounts(rows);
    const { events, keys, moved } = settle(plays, accounts, Date.now());
    for (const [id, a] of moved) if (s.update.run(a.balance, a.seq, id, a.readSeq).changes !== 1) throw new Error(GUARD_FAILED);
    for (const row of events) s.event.run(...row);
    for (const row of keys) s.key.run(...row);
  });
  return { ...base, name: "bun:sqlite per-row", runBatch: (plays) => void batch(plays) };
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const rounds = positiveInteger("rounds", optionValue("rounds", argv), quick ? 2 : 7);
  const batches = positiveInteger("batches", optionValue("batches", argv), quick ? 100 : 1500);

  const dir = mkdtempSync(join(tmpdir(), "ledger-driver-"));
  const drivers = [bunSqlDriver(join(dir, "bun-sql.sqlite")), bunSqliteMultiRow(join(dir, "multi.sqlite")), bunSqlitePerRow(join(dir, "per-row.sqlite"))];
  try {
    const schema = migrations.flatMap((m) => m.statements.map((s) => (typeof s === "string" ? s : s.sqlite)));
    const users = Array.from({ length: ACCOUNTS }, (_, i) => `INSERT INTO users (username, username_key, password_hash, role, balance, created_at) VALUES ('u${i}', 'u${i}', 'x', 'user', ${START_BALANCE}, 0)`);
    for (const d of drivers) await d.setup([...schema, ...users]);

    const pragmas = await Promise.all(drivers.map((d) => d.pragmas()));
    console.log(`pragmas (read back from each connection):`);
    for (const name of CHECKED) {
      const values = pragmas.map((p) => p[name]);
      console.log(`  ${name.padEnd(18)} ${drivers.map((d, i) => `${d.name}=${values[i]}`).join("  ")}`);
      if (new Set(values).size !== 1) throw new Error(`pragma ${name} differs between drivers: ${values.join(" / ")}`);
    }

    // Warm-up: JIT, statement caches, the files' first pages.
    for (const d of drivers) for (let i = 0; i < Math.min(200, batches); i++) await d.runBatch(makeBatch());

    const perPlay: Record<string, number[]> = Object.fromEntries(drivers.map((d) => [d.name, []]));
    const load = [loadavg()[0]!];
    for (let round = 0; round < rounds; round++) {
      const work = Array.from({ length: batches }, makeBatch); // the same plays for every driver
      for (const d of drivers) {
        Bun.gc(true);
        const before = cpuMicros();
        for (const plays of work) await d.runBatch(plays.map((p) => ({ ...p, key: `${d.name}:${p.key}` })));
        perPlay[d.name]!.push((cpuMicros() - before) / (batches * BATCH));
      }
    }
    load.push(loadavg()[0]!);

    const expected = (rounds * batches + Math.min(200, batches)) * BATCH;
    for (const d of drivers) {
      const [events, keys] = [await d.count("events"), await d.count("idempotency_keys")];
      if (events !== expected || keys !== expected) throw new Error(`${d.name} stored ${events} events and ${keys} keys, expected ${expected}`);
    }

    const reference = perPlay["Bun.SQL"]!;
    console.log(`\nbatch of ${BATCH} plays over ${ACCOUNTS} accounts, ${rounds} rounds × ${batches} batches per driver, alternating; load average ${load.map((l) => l.toFixed(2)).join(" → ")}`);
    console.log(`${"driver".padEnd(22)} ${"CPU µs/play (median)".padStart(21)} ${"min–max".padStart(14)} ${"÷ Bun.SQL".padStart(10)}`);
    for (const d of drivers) {
      const values = perPlay[d.name]!;
      const ratios = values.map((v, i) => v / reference[i]!);
      console.log(
        `${d.name.padEnd(22)} ${median(values).toFixed(1).padStart(21)} ${`${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`.padStart(14)} ${median(ratios).toFixed(2).padStart(10)}`,
      );
    }
    console.log(`every driver stored all ${expected} events and keys.`);
  } finally {
    for (const d of drivers) await d.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
