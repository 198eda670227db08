/**
 * What `GET /api/admin/stats` costs on a big ledger: the real query (src/admin/stats.ts)
 * over a million events (1,000 users, 4 games, ~330-byte payloads, spread evenly over 30
 * days), for periods of all time, the last day and the last hour, and for one game over all
 * time, with each index the events table could have:
 * - `events_totals`: (created_at, game_type, bet, payout), as migrated: covers the query;
 * - `events_created_at`: (created_at) alone, the index before migration 5;
 * - `no index`: neither.
 * Wall milliseconds of the query as the server runs it (Bun.SQL), median of `--runs` after a
 * warm-up run; the rows are made by the database itself (a recursive CTE on SQLite,
 * generate_series on PostgreSQL).
 *
 *   bun bench/micro/admin-stats.ts [--events=1000000] [--runs=5] [--postgres]
 *
 * `--postgres` adds the same on the harness's throwaway PostgreSQL (bench/lib/services.ts,
 * `fsync=off`). Figures in BENCHMARKS.md ("Period totals").
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stats } from '../../src/admin/stats';
import { openDatabase, type Database } from '../../src/storage';
import { optionValue, positiveInteger } from '../lib/options';
import { median } from '../lib/stats';
import { sharedPostgresDatabase } from '../lib/services';

const EVENTS = positiveInteger('events', optionValue('events'), 1_000_000);
const RUNS = positiveInteger('runs', optionValue('runs'), 5);
const USERS = 1000;
const DAY_MS = 24 * 3600_000;
const START = Date.UTC(2026, 0, 1);
const SPAN_MS = 30 * DAY_MS;
const END = START + SPAN_MS;

const variants: { name: string; statements: string[] }[] = [
  { name: 'events_totals (game_type, created_at, bet, payout), as migrated', statements: [] },
  {
    name: '(created_at, game_type, bet, payout)',
    statements: ['CREATE INDEX events_by_time_totals ON events (created_at, game_type, bet, payout)', 'DROP INDEX events_totals'],
  },
  { name: 'events_created_at (created_at), before migration 5', statements: ['CREATE INDEX events_created_at ON events (created_at)', 'DROP INDEX events_by_time_totals'] },
  { name: 'no index', statements: ['DROP INDEX events_created_at'] },
];

const iso = (ms: number) => new Date(ms).toISOString();
const periods: { name: string; query: Record<string, string> }[] = [
  { name: 'all time', query: {} },
  { name: 'last day', query: { from: iso(END - DAY_MS), to: iso(END) } },
  { name: 'last hour', query: { from: iso(END - 3600_000), to: iso(END) } },
  { name: 'one game, all time', query: { game_type: 'gacha' } },
];

/** The rows, made by the database: user i % USERS, a payload about as long as a real game_event. */
function fill(db: Database): Promise<unknown> {
  const step = SPAN_MS / EVENTS;
  if (db.dialect === 'sqlite') {
    return db.sql.unsafe(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${EVENTS - 1})
      INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at)
      SELECT (i % ${USERS}) + 1, (i / ${USERS}) + 1, CASE i % 4 WHEN 0 THEN 'slot' WHEN 1 THEN 'rps' WHEN 2 THEN 'gacha' ELSE 'crash' END,
        100 + abs(random() % 1000), abs(random() % 2000),
        printf('{"type":"game_event","v":1,"event_id":"%d-%d","game_type":"slot","user_id":%d,"bet":1,"result":{"reels":["cherry","bell","seven"],"multiplier":0,"payout":0,"fairness":{"server_seed_hash":"%064d","client_seed":"abcdef0123456789","nonce":%d}},"ts":"2026-01-01T00:00:00.000Z"}', i % ${USERS} + 1, i / ${USERS} + 1, i % ${USERS} + 1, i, i),
        ${START} + CAST(i * ${step} AS INTEGER)
      FROM n`);
  }
  return db.sql.unsafe(`
    INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at)
    SELECT (i % ${USERS}) + 1, (i / ${USERS}) + 1, (ARRAY['slot', 'rps', 'gacha', 'crash'])[i % 4 + 1],
      100 + floor(random() * 1000)::bigint, floor(random() * 2000)::bigint,
      format('{"type":"game_event","v":1,"event_id":"%s-%s","game_type":"slot","user_id":%s,"bet":1,"result":{"reels":["cherry","bell","seven"],"multiplier":0,"payout":0,"fairness":{"server_seed_hash":"%s","client_seed":"abcdef0123456789","nonce":%s}},"ts":"2026-01-01T00:00:00.000Z"}', i % ${USERS} + 1, i / ${USERS} + 1, i % ${USERS} + 1, lpad(i::text, 64, '0'), i),
      ${START} + floor(i::bigint * ${step})::bigint
    FROM generate_series(0, ${EVENTS - 1}) AS i`);
}

async function users(db: Database): Promise<void> {
  for (let first = 1; first <= USERS; first += 500) {
    const rows = Array.from({ length: Math.min(500, USERS - first + 1) }, (_, k) => ({
      username: `u${first + k}`, username_key: `u${first + k}`, password_hash: 'x', role: 'user', balance: 0, event_seq: 0, created_at: 0,
    }));
    await db.sql`INSERT INTO users ${db.sql(rows)}`;
  }
}

async function measure(db: Database): Promise<Map<string, number[]>> {
  const stats = new Stats(db.sql);
  const figures = new Map<string, number[]>();
  for (const period of periods) {
    await stats.period(period.query); // warm-up: the pages in the cache, the statement prepared
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const startedAt = performance.now();
      await stats.period(period.query);
      runs.push(performance.now() - startedAt);
    }
    figures.set(period.name, runs);
  }
  return figures;
}

async function bench(label: string, db: Database): Promise<void> {
  await users(db);
  const filledAt = performance.now();
  await fill(db);
  if (db.dialect === 'postgres') await db.sql.unsafe('VACUUM ANALYZE events');
  else await db.sql.unsafe('ANALYZE');
  const [count] = await db.sql`SELECT COUNT(*) AS n FROM events`;
  console.log(`\n${label}: ${Number(count.n).toLocaleString('en')} events made in ${((performance.now() - filledAt) / 1000).toFixed(1)} s; query ms, median of ${RUNS}\n`);
  console.log(`| index | ${periods.map((p) => p.name).join(' | ')} |\n| --- |${periods.map(() => ' ---: |').join('')}`);
  for (const variant of variants) {
    for (const statement of variant.statements) await db.sql.unsafe(statement);
    if (db.dialect === 'postgres') await db.sql.unsafe('VACUUM ANALYZE events'); // index-only scans want a fresh visibility map
    const figures = await measure(db);
    console.log(`| ${variant.name} | ${periods.map((p) => median(figures.get(p.name)!).toFixed(1)).join(' | ')} |`);
  }
}

const dir = join(tmpdir(), `admin-stats-bench-${process.pid}`);
let sqlite: Database | undefined;
let postgres: Database | undefined;
try {
  sqlite = await openDatabase(`sqlite://${join(dir, 'stats.sqlite')}`);
  await bench('SQLite (WAL, bun:sqlite file through Bun.SQL)', sqlite);
  if (process.argv.includes('--postgres')) {
    const url = await sharedPostgresDatabase();
    postgres = await openDatabase(url);
    await bench('PostgreSQL 15 (fsync=off)', postgres);
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await sqlite?.close();
  await postgres?.close();
  rmSync(dir, { recursive: true, force: true });
  // The harness's PostgreSQL removes itself once this process is gone.
  if (postgres) process.exit();
}
