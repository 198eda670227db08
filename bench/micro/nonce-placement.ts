/**
 * Where the fairness nonce lives, measured on the statements alone (`bun:sqlite`, WAL,
 * `synchronous = NORMAL`, the server's migrations), batches of 16 plays over 32 accounts:
 *
 * - `seeds table` (the ledger before migration 9): per user one `UPDATE fairness_seeds … RETURNING`
 *   (takes the nonces), one `SELECT` of the account, one guarded `UPDATE users`; per play one
 *   `INSERT INTO events`;
 * - `seeds in users`: the seeds and nonce as columns of `users`: per user one `SELECT` (account,
 *   seeds and nonce), one guarded `UPDATE users` that writes balance, sequence and nonce; per
 *   play one `INSERT`. No page of a second table is written.
 *
 * Variants alternate round after round, each on its own file; CPU is `process.cpuUsage()` (all
 * threads) per play, the ratio the median of per-round ratios.
 *
 *   bun bench/micro/nonce-placement.ts [--rounds=7] [--batches=1500] [--batch=16]
 */
import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations } from '../../src/storage/migrations';
import { optionValue, positiveInteger } from '../lib/options';
import { median, medianRatio } from '../lib/stats';

const option = (name: string, fallback: number) => positiveInteger(name, optionValue(name), fallback);
const ROUNDS = option('rounds', 7);
const BATCHES = option('batches', 1500);
const BATCH = option('batch', 16);
const ACCOUNTS = 32;
const HEX = 'ab'.repeat(32);
/** The migration that moved the seeds into the users row. */
const SEEDS_IN_USERS = 9;

function open(file: string, extra: string[]): Database {
  const db = new Database(file, { strict: true });
  for (const p of ['PRAGMA journal_mode = WAL', 'PRAGMA synchronous = NORMAL', 'PRAGMA foreign_keys = ON']) db.run(p);
  // The schema as it was before the seeds moved into users (migration 9): both layouts are then
  // built on it, the old one as it stood, the new one with the columns `extra` adds.
  for (const m of migrations.filter((m) => m.version !== SEEDS_IN_USERS)) for (const s of m.statements) db.run(typeof s === 'string' ? s : s.sqlite);
  for (const s of extra) db.run(s);
  const user = db.prepare("INSERT INTO users (username, username_key, password_hash, role, balance, event_seq, created_at) VALUES (?, ?, 'x', 'user', 1000000000000, 0, 0)");
  const seed = db.prepare('INSERT INTO fairness_seeds (user_id, server_seed, server_seed_hash, client_seed, nonce, created_at) VALUES (?, ?, ?, ?, 0, 0)');
  for (let i = 1; i <= ACCOUNTS; i++) {
    user.run(`u${i}`, `u${i}`);
    seed.run(i, HEX, HEX, 'c'.repeat(16));
  }
  if (extra.length > 0) db.run(`UPDATE users SET server_seed = '${HEX}', server_seed_hash = '${HEX}', client_seed = '${'c'.repeat(16)}', nonce = 0`);
  return db;
}

type Variant = { name: string; batch: (users: number[]) => void; db: Database };

function seedsTable(db: Database): Variant['batch'] {
  const take = db.prepare<Record<string, unknown>, [number, number]>('UPDATE fairness_seeds SET nonce = nonce + ?1 WHERE user_id = ?2 RETURNING user_id, server_seed, server_seed_hash, client_seed, nonce');
  const read = db.prepare<{ balance: number; event_seq: number }, [number]>('SELECT id, balance, event_seq FROM users WHERE id = ?');
  const write = db.prepare('UPDATE users SET balance = ?, event_seq = ? WHERE id = ? AND event_seq = ?');
  const insert = db.prepare('INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return db.transaction((users: number[]) => {
    const counts = new Map<number, number>();
    for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
    for (const [u, n] of counts) take.get(n, u);
    for (const [u, n] of counts) {
      const a = read.get(u)!;
      for (let i = 1; i <= n; i++) insert.run(u, a.event_seq + i, 'slot', 1, 0, `{"payload":${a.event_seq + i}}`, Date.now());
      write.run(a.balance - n, a.event_seq + n, u, a.event_seq);
    }
  }).immediate;
}

function seedsInUsers(db: Database): Variant['batch'] {
  const read = db.prepare<{ balance: number; event_seq: number; nonce: number }, [number]>(
    'SELECT id, balance, event_seq, server_seed, server_seed_hash, client_seed, nonce FROM users WHERE id = ?',
  );
  const write = db.prepare('UPDATE users SET balance = ?, event_seq = ?, nonce = ? WHERE id = ? AND event_seq = ?');
  const insert = db.prepare('INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  return db.transaction((users: number[]) => {
    const counts = new Map<number, number>();
    for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
    for (const [u, n] of counts) {
      const a = read.get(u)!;
      for (let i = 1; i <= n; i++) insert.run(u, a.event_seq + i, 'slot', 1, 0, `{"payload":${a.event_seq + i}}`, Date.now());
      write.run(a.balance - n, a.event_seq + n, a.nonce + n, u, a.event_seq);
    }
  }).immediate;
}

const dir = mkdtempSync(join(tmpdir(), 'nonce-placement-'));
const ADD = ['server_seed TEXT', 'server_seed_hash TEXT', 'client_seed TEXT', 'nonce BIGINT'].map((c) => `ALTER TABLE users ADD COLUMN ${c}`);
const a = open(join(dir, 'a.sqlite'), []);
const b = open(join(dir, 'b.sqlite'), ADD);
const variants: Variant[] = [
  { name: 'seeds table (before migration 9)', batch: seedsTable(a), db: a },
  { name: 'seeds in users', batch: seedsInUsers(b), db: b },
];
const makeBatch = () => Array.from({ length: BATCH }, () => 1 + Math.floor(Math.random() * ACCOUNTS));
const figures = new Map<string, number[]>();
const load = loadavg()[0]!.toFixed(1);
for (let round = 0; round <= ROUNDS; round++) {
  const batches = Array.from({ length: BATCHES }, makeBatch);
  for (const v of variants) {
    const before = process.cpuUsage();
    for (const users of batches) v.batch(users);
    const used = process.cpuUsage(before);
    if (round > 0) figures.set(v.name, [...(figures.get(v.name) ?? []), (used.user + used.system) / (BATCHES * BATCH)]);
  }
}
const base = figures.get(variants[0]!.name)!;
console.log(`CPU µs per play, ${ROUNDS} alternating rounds × ${BATCHES} batches of ${BATCH}, load ${load} → ${loadavg()[0]!.toFixed(1)}\n`);
console.log('| variant | µs per play | × seeds table |\n| --- | ---: | ---: |');
for (const v of variants) console.log(`| ${v.name} | ${median(figures.get(v.name)!).toFixed(1)} | ${medianRatio(figures.get(v.name)!, base).toFixed(2)} |`);
for (const v of variants) v.db.close();
rmSync(dir, { recursive: true, force: true });
