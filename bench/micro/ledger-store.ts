/**
 * CPU per play of the ledger on each SQLite backend: the real Ledger (slot drawn on the HMAC
 * stream of the user's committed seeds, whose nonces each play takes in its transaction; the
 * rendered event) through `Bun.SQL` and through `bun:sqlite` on one real WAL file with the
 * server's settings, in batches of 16 plays (16 users) and of 1. Runs alternate between the
 * backends, so the machine's drift falls on all of them alike; each figure is the median over
 * the rounds, each ratio the median of per-round ratios to `Bun.SQL`.
 *
 * A third backend, `bun:sqlite` with one statement per batch size for the multi-row steps
 * (read the accounts with `IN (…)`, write them with `UPDATE … FROM (VALUES …)`, insert the
 * events in one INSERT; each statement prepared once per row count), answers whether per-row
 * prepared statements in one transaction cost more than one statement per row count. A last
 * row, the ledger on accounts held in memory with no database at all, shows what the ledger's
 * own work (drawing, rendering, batching, promises; its seeds and nonces kept in memory too) costs: the rest is the backend's.
 *
 *   bun bench/micro/ledger-store.ts [--rounds=7] [--plays=3200]
 */
import type { Database as SqliteConnection, Statement } from 'bun:sqlite';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertUser } from '../../src/auth/users';
import { renderPlay } from '../../src/realtime/play-publisher';
import { NonceBook, type ActiveSeed } from '../../src/fairness/store';
import { freshSeeds } from '../../src/fairness/hmac-rng';
import { slot } from '../../src/games/slot';
import { openDatabase, type Database } from '../../src/storage';
import { Ledger } from '../../src/wallet/ledger';
import { SEEDED_ACCOUNT_COLUMNS, seededAccountOf, type AccountRow, type AccountWrite, type EventRow, type LedgerStatements, type LedgerStore, type SeededAccount, type Step } from '../../src/wallet/ledger-store';
import { SqlLedgerStore } from '../../src/wallet/sql-ledger-store';
import { SqliteLedgerStore } from '../../src/wallet/sqlite-ledger-store';
import { optionValue, positiveInteger } from '../lib/options';
import { median, medianRatio } from '../lib/stats';

const option = (name: string, fallback: number) => positiveInteger(name, optionValue(name), fallback);
const ROUNDS = option('rounds', 7);
const PLAYS = option('plays', 3200);
const USERS = 16;

/** The multi-row steps as one statement per row count, prepared once per count. */
function perRowCount(connection: SqliteConnection, store: LedgerStore): LedgerStore {
  const cache = new Map<string, Statement>();
  const prepared = (name: string, count: number, build: (count: number) => string) => {
    const key = `${name}/${count}`;
    let statement = cache.get(key);
    if (!statement) cache.set(key, (statement = connection.prepare(build(count))));
    return statement;
  };
  const list = (count: number, one: string) => Array.from({ length: count }, () => one).join(', ');
  const overrides: Partial<LedgerStatements> = {
    *readAccounts(userIds: number[]): Step<SeededAccount[]> {
      const rows = prepared('read', userIds.length, (n) => `SELECT ${SEEDED_ACCOUNT_COLUMNS} FROM users WHERE id IN (${list(n, '?')})`).all(...userIds) as (Parameters<
        typeof seededAccountOf
      >[1] & { id: number })[];
      return rows.map((row) => seededAccountOf(row.id, row));
    },
    *writeAccounts(this: LedgerStatements, rows: AccountWrite[]): Step<number> {
      if (rows.length === 0) return 0;
      // A user's first seeds: the store's own statements (once per user in the whole run).
      if (rows.some((row) => row.newSeed)) return yield* (Object.getPrototypeOf(this) as LedgerStatements).writeAccounts(rows);
      const statement = prepared(
        'write',
        rows.length,
        (n) => `UPDATE users SET balance = v.column2, event_seq = v.column3, nonce = v.column5 FROM (VALUES ${list(n, '(?, ?, ?, ?, ?)')}) AS v
                WHERE users.id = v.column1 AND users.event_seq = v.column4`,
      );
      return statement.run(...rows.flatMap((row) => [row.id, row.balance, row.seq, row.readSeq, row.nonce])).changes;
    },
    *insertEvents(rows: EventRow[]): Step<void> {
      if (rows.length === 0) return;
      const statement = prepared('events', rows.length, (n) => `INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at) VALUES ${list(n, '(?, ?, ?, ?, ?, ?, ?)')}`);
      statement.run(...rows.flatMap((row) => [row.user_id, row.seq, row.game_type, row.bet, row.payout, row.payload, row.created_at]));
    },
  };
  return {
    transaction: (work) => store.transaction((tx) => work(Object.assign(Object.create(tx), overrides))),
    findKey: (key) => store.findKey(key),
    purgeKeys: (before) => store.purgeKeys(before),
  };
}

/** No database: accounts and seeds in Maps, events and keys dropped. */
function inMemory(): LedgerStore {
  const accounts = new Map<number, AccountRow>();
  const seeds = new Map<number, ActiveSeed>();
  let position = 0;
  const statements: LedgerStatements = {
    *takeNonces(counts) {
      const taken = new Map<number, ActiveSeed>();
      for (const [userId, count] of counts) {
        const seed = seeds.get(userId) ?? { ...freshSeeds(1)[0]!, nonce: 0 };
        taken.set(userId, seed);
        seeds.set(userId, { ...seed, nonce: seed.nonce + count });
      }
      return new NonceBook(taken, counts);
    },
    *giveBack(book) {
      for (const [userId, count] of book.unused()) seeds.set(userId, { ...seeds.get(userId)!, nonce: seeds.get(userId)!.nonce - count });
    },
    *claimKey() {
      return true;
    },
    *debit(userId, betMinor, payoutMinor) {
      const account = accounts.get(userId) ?? { id: userId, balance: 1e12, seq: 0, blocked: false };
      if (account.balance < betMinor) return undefined;
      accounts.set(userId, { id: userId, balance: account.balance - betMinor + payoutMinor, seq: account.seq + 1, blocked: false });
      return accounts.get(userId);
    },
    *adjust() {
      return undefined;
    },
    *insertAudit() {
      return 0;
    },
    *dropKey() {},
    *completeKey() {},
    *takenKeys() {
      return [];
    },
    *readAccounts(userIds) {
      return userIds.map((id) => ({ ...(accounts.get(id) ?? { id, balance: 1e12, seq: 0, blocked: false }), seed: seeds.get(id) }));
    },
    *writeAccounts(rows) {
      for (const { id, balance, seq, nonce, newSeed } of rows) {
        accounts.set(id, { id, balance, seq, blocked: false });
        seeds.set(id, { ...(newSeed ?? seeds.get(id)!), nonce });
      }
      return rows.length;
    },
    *takePositions(count) {
      position += count;
      return position - count + 1;
    },
    *insertEvents() {},
    *insertKeys() {},
  };
  return {
    transaction: async (work) => {
      const step = work(statements).next();
      if (!step.done) throw new Error('the in-memory store never waits');
      return step.value;
    },
    findKey: async () => undefined,
    purgeKeys: async () => {},
  };
}

const backends: { name: string; open: (db: Database) => LedgerStore }[] = [
  { name: 'Bun.SQL', open: (db) => new SqlLedgerStore(db.sql, 'sqlite') },
  { name: 'bun:sqlite', open: (db) => new SqliteLedgerStore(db.sqlite!) },
  { name: 'bun:sqlite, a statement per row count', open: (db) => perRowCount(db.sqlite!, new SqliteLedgerStore(db.sqlite!)) },
  { name: 'no database (the ledger alone)', open: () => inMemory() },
];

/** CPU µs (user + system, every thread) per play for `plays` plays in batches of `batch`. */
async function run(ledger: Ledger, users: number[], batch: number, plays: number): Promise<number> {
  const before = process.cpuUsage();
  for (let done = 0; done < plays; done += batch) {
    const outcomes = await Promise.all(Array.from({ length: batch }, (_, i) => ledger.play({ userId: users[(done + i) % users.length]!, game: slot, input: { bet: 0.01 }, betMinor: 1 })));
    if (outcomes.some((outcome) => outcome.kind !== 'settled')) throw new Error('a play was not settled');
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / plays;
}

const dir = join(tmpdir(), `ledger-store-bench-${process.pid}`);
const db = await openDatabase(`sqlite://${join(dir, 'bench.sqlite')}`);
try {
  const users: number[] = [];
  for (let i = 0; i < USERS; i++) users.push((await insertUser(db.sql, { username: `bench${i}`, passwordHash: 'x', role: 'user', balanceMinor: 1e12 }))!.id);
  const ledgers = backends.map((backend) => new Ledger(backend.open(db), undefined, { publisher: { render: renderPlay } }));
  const sizes = [16, 1];
  const figures = new Map<string, number[]>();
  for (const ledger of ledgers) for (const batch of sizes) await run(ledger, users, batch, Math.min(PLAYS, 400)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const batch of sizes) {
      // Batches of one commit each play: fewer plays, so a round of each size takes about as long.
      const plays = batch === 1 ? Math.round(PLAYS / 4) : PLAYS;
      for (const [i, ledger] of ledgers.entries()) {
        const key = `${backends[i]!.name}|${batch}`;
        figures.set(key, [...(figures.get(key) ?? []), await run(ledger, users, batch, plays)]);
      }
    }
  }
  const lines = [`CPU µs per play, median of ${ROUNDS} alternating rounds (${PLAYS} plays a round in batches of 16, ${Math.round(PLAYS / 4)} alone)`, ''];
  lines.push('| backend | batches of 16 | × Bun.SQL | alone | × Bun.SQL |', '| --- | ---: | ---: | ---: | ---: |');
  for (const { name } of backends) {
    const cells = sizes.flatMap((batch) => {
      const mine = figures.get(`${name}|${batch}`)!;
      return [median(mine).toFixed(1), medianRatio(mine, figures.get(`Bun.SQL|${batch}`)!).toFixed(2)];
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  console.log(lines.join('\n'));
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
