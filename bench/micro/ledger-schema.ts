/**
 * What each part of the events table's schema costs a play on the SQLite default: the real
 * Ledger on `bun:sqlite` (slot drawn from committed seeds, nonces taken in the transaction)
 * against one WAL file per variant, the variants alternating in every round so the machine's
 * drift falls on all alike:
 * - `as migrated`: the schema and ledger connection the server runs;
 * - `no AUTOINCREMENT`: `events.id INTEGER PRIMARY KEY` without AUTOINCREMENT, which updates
 *   `sqlite_sequence` on every insert;
 * - `foreign_keys off`: the ledger connection's foreign-key checks off (each event insert
 *   looks its user up);
 * - `no created_at index`: without `events_created_at` (before migration 5);
 * - `events_totals`: (game_type, created_at, bet, payout) in place of `events_created_at`, as
 *   migrated since migration 5 (see below).
 *
 * Measured 2026-12-03 at load 1.6–2.2 (other work on the machine), 7 rounds of 16,000 plays:
 * no AUTOINCREMENT 0.98×, foreign_keys off 0.89×, no created_at index 0.83×; shorter runs
 * put the first two anywhere from 0.82 to 1.04×, so only the index stood out of the noise, and
 * it stays (the recent events read at start-up and period totals need it).
 * Again after migration 5 (the nonce in the users row), 7 rounds of 4,800 plays at load 2.3:
 * 0.98×, 0.97×, 0.88×.
 *
 *   bun bench/micro/ledger-schema.ts [--rounds=5] [--plays=3200] [--batch=16]
 */
import { Database as SqliteConnection } from 'bun:sqlite';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertUser } from '../../src/auth/users';
import { renderPlay } from '../../src/realtime/play-publisher';
import { slot } from '../../src/games/slot';
import { openDatabase, type Database } from '../../src/storage';
import { Ledger } from '../../src/wallet/ledger';
import { SqliteLedgerStore } from '../../src/wallet/sqlite-ledger-store';
import { optionValue, positiveInteger } from '../lib/options';
import { median, medianRatio } from '../lib/stats';

const option = (name: string, fallback: number) => positiveInteger(name, optionValue(name), fallback);
const ROUNDS = option('rounds', 5);
const PLAYS = option('plays', 3200);
const BATCH = option('batch', 16);
const USERS = 16;

const REBUILD_WITHOUT_AUTOINCREMENT = [
  `CREATE TABLE events_plain (id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id), seq BIGINT NOT NULL,
    game_type TEXT NOT NULL, bet BIGINT NOT NULL, payout BIGINT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL, UNIQUE (user_id, seq))`,
  'INSERT INTO events_plain SELECT * FROM events',
  'DROP TABLE events',
  'ALTER TABLE events_plain RENAME TO events',
  'CREATE INDEX events_totals ON events (game_type, created_at, bet, payout)',
];

type Variant = { name: string; change: (connection: SqliteConnection) => void };
const variants: Variant[] = [
  { name: 'as migrated', change: () => {} },
  { name: 'no AUTOINCREMENT', change: (c) => REBUILD_WITHOUT_AUTOINCREMENT.forEach((s) => c.run(s)) },
  { name: 'foreign_keys off', change: (c) => c.run('PRAGMA foreign_keys = OFF') },
  { name: 'no index by time', change: (c) => c.run('DROP INDEX events_totals') },
  {
    name: 'events_created_at (before migration 5)',
    change: (c) => {
      c.run('DROP INDEX events_totals');
      c.run('CREATE INDEX events_created_at ON events (created_at)');
    },
  },
];

async function run(ledger: Ledger, users: number[]): Promise<number> {
  const before = process.cpuUsage();
  for (let done = 0; done < PLAYS; done += BATCH) {
    const outcomes = await Promise.all(Array.from({ length: BATCH }, (_, i) => ledger.play({ userId: users[(done + i) % users.length]!, game: slot, input: { bet: 0.01 }, betMinor: 1 })));
    if (outcomes.some((outcome) => outcome.kind !== 'settled')) throw new Error('a play was not settled');
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / PLAYS;
}

const dir = join(tmpdir(), `ledger-schema-bench-${process.pid}`);
const dbs: Database[] = [];
try {
  const setups = [];
  for (const [i, variant] of variants.entries()) {
    const db = await openDatabase(`sqlite://${join(dir, `v${i}.sqlite`)}`);
    dbs.push(db);
    const users: number[] = [];
    for (let u = 0; u < USERS; u++) users.push((await insertUser(db.sql, { username: `bench${u}`, passwordHash: 'x', role: 'user', balanceMinor: 1e12 }))!.id);
    variant.change(db.sqlite!);
    setups.push({ variant, users, ledger: new Ledger(new SqliteLedgerStore(db.sqlite!), undefined, { publisher: { render: renderPlay } }) });
  }
  for (const setup of setups) await run(setup.ledger, setup.users); // warm-up
  const figures = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const { variant, ledger, users } of setups) figures.set(variant.name, [...(figures.get(variant.name) ?? []), await run(ledger, users)]);
  }
  const base = figures.get('as migrated')!;
  console.log(`CPU µs per play on bun:sqlite, median of ${ROUNDS} alternating rounds of ${PLAYS} plays in batches of ${BATCH}\n`);
  console.log('| variant | µs per play | × as migrated |\n| --- | ---: | ---: |');
  for (const { name } of variants) console.log(`| ${name} | ${median(figures.get(name)!).toFixed(1)} | ${medianRatio(figures.get(name)!, base).toFixed(2)} |`);
} finally {
  for (const db of dbs) await db.close();
  rmSync(dir, { recursive: true, force: true });
}
