/**
 * The ledger through each storage backend: bun:sqlite on a real SQLite file, Bun.SQL on SQLite
 * and on PostgreSQL. Plays that arrive together are settled as one batch, and the books must
 * come out the same as if each had run alone; every play draws from its user's committed seeds
 * with the next nonce, taken in the play's own transaction.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import type { SQL } from 'bun';
import { insertUser } from '../../src/auth/users';
import { fairOutcome } from '../../src/fairness/outcome';
import { crash } from '../../src/games/crash';
import type { Game } from '../../src/games/game';
import { seededRng } from '../../src/games/rng';
import { slot } from '../../src/games/slot';
import { renderPlay } from '../../src/realtime/play-publisher';
import { openDatabase, type Database } from '../../src/storage';
import { Ledger, type PlayOutcome } from '../../src/wallet/ledger';
import type { LedgerStatements, LedgerStore, Step } from '../../src/wallet/ledger-store';
import { SqlLedgerStore } from '../../src/wallet/sql-ledger-store';
import { SqliteLedgerStore } from '../../src/wallet/sqlite-ledger-store';

import { describeEngines, testStore, type Engine, type TestStore } from '../support/server';

const onBunSqlite = (db: Database) => new SqliteLedgerStore(db.sqlite!);
const onBunSql = (db: Database) => new SqlLedgerStore(db.sql, db.dialect);
/** `rng` replaces the committed seeds' stream; without it plays draw from the seeds. */
const newLedger = (store: LedgerStore, rng?: ReturnType<typeof seededRng>) => new Ledger(store, rng, { publisher: { render: renderPlay } });
const responseOf = (outcome: PlayOutcome) => (outcome.kind === 'settled' ? outcome.texts.response : outcome.kind === 'replayed' ? outcome.response : undefined);

let store: TestStore;
let db: Database;

/** A fresh database on `engine` for each test of the enclosing block. */
function useDatabase(engine: Engine): void {
  beforeEach(async () => {
    store = await testStore(engine);
    db = await openDatabase(store.url);
  });
  afterEach(async () => {
    await db.close();
    await store.remove();
  });
}

async function makeUsers(count: number, balanceMinor: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const user = await insertUser(db.sql, { username: `u${i}`, passwordHash: 'x', role: 'user', balanceMinor });
    ids.push(user!.id);
  }
  return ids;
}

/** Balance, sequence, and what the events table says of each user. */
async function books(userId: number) {
  const [user] = await db.sql`SELECT balance, event_seq FROM users WHERE id = ${userId}`;
  const events = await db.sql`SELECT seq, bet, payout FROM events WHERE user_id = ${userId} ORDER BY seq`;
  return {
    balance: Number(user.balance),
    seq: Number(user.event_seq),
    seqs: events.map((e: { seq: number }) => Number(e.seq)),
    net: events.reduce((sum: number, e: { bet: number; payout: number }) => sum + Number(e.payout) - Number(e.bet), 0),
  };
}

const play = (ledger: Ledger, userId: number, betMinor: number, game: Game = slot, input: Record<string, unknown> = { bet: betMinor / 100 }) =>
  ledger.play({ userId, game, input, betMinor });

describe('Ledger on bun:sqlite', () => {
  useDatabase('sqlite');
  ledgerTests(onBunSqlite);
});

describeEngines('Ledger on Bun.SQL, %s', (engine) => {
  useDatabase(engine);
  ledgerTests(onBunSql);
});

function ledgerTests(open: (db: Database) => LedgerStore): void {
  const ledgerStore = () => open(db);

  it('settles hundreds of concurrent plays of many users so that every balance equals initial + Σ(payout − bet)', async () => {
    const initial = 5_000;
    const users = await makeUsers(6, initial);
    const ledger = newLedger(ledgerStore(), seededRng(1));
    // Bets big enough that several accounts run dry partway through a batch.
    const outcomes = await Promise.all(Array.from({ length: 600 }, (_, i) => play(ledger, users[i % users.length]!, 100 + (i % 7) * 150)));
    const accepted = outcomes.filter((o) => o.kind === 'settled');
    const refused = outcomes.filter((o) => o.kind === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length + refused.length).toBe(600);
    for (const refusal of refused) expect(refusal.refusal).toBe('insufficient_funds');

    let events = 0;
    for (const userId of users) {
      const { balance, seq, seqs, net } = await books(userId);
      expect(balance).toBe(initial + net);
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(seqs).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
      events += seqs.length;
    }
    expect(events).toBe(accepted.length);
    // Each accepted response carries the balance right after that play, in sequence order.
    const last = new Map<number, { seq: number; balance: number }>();
    for (const outcome of accepted) {
      const body = JSON.parse(responseOf(outcome)!);
      const [user, seq] = body.event_id.split('-').map(Number);
      if ((last.get(user)?.seq ?? 0) < seq) last.set(user, { seq, balance: body.balance });
    }
    for (const userId of users) expect(last.get(userId)?.balance ?? initial / 100).toBe((await books(userId)).balance / 100);
  });

  it('refuses a bet the running balance of its batch can no longer cover, and only that one', async () => {
    const [userId] = await makeUsers(1, 1_000);
    const alwaysLoses: Game = { ...crash, play: (_input, bet, rng) => crash.play({ bet: bet / 100, cashout: 1000 }, bet, { ...rng, float: () => 0 }) };
    const ledger = newLedger(ledgerStore(), seededRng(2));
    const outcomes = await Promise.all([400, 400, 400, 200].map((bet) => play(ledger, userId!, bet, alwaysLoses, { bet: bet / 100, cashout: 2 })));
    expect(outcomes.map((o) => o.kind)).toEqual(['settled', 'settled', 'refused', 'settled']);
    expect((await books(userId!)).balance).toBe(0);
  });

  it('retries each play alone when an account moved while its batch was settled, losing and doubling nothing', async () => {
    const [userId] = await makeUsers(1, 100_000);
    let interfered = 0;
    // Right after the batch reads the account, something else moves it (in the same transaction,
    // as another writer would have before our commit).
    const meddling = afterReadAccounts(ledgerStore(), function* (tx) {
      if (interfered++ === 0) yield* tx.debit(userId!, 0, 500);
    });
    const ledger = newLedger(meddling, seededRng(3));
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => play(ledger, userId!, 100)));
    expect(interfered).toBeGreaterThan(0);
    expect(outcomes.every((o) => o.kind === 'settled')).toBe(true);
    const { balance, seqs, net } = await books(userId!);
    // The meddling write was rolled back with the failed batch; the 20 plays then ran alone.
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(balance).toBe(100_000 + net);
  });

  it('answers a stored Idempotency-Key inside a batch with the stored response, charging nothing', async () => {
    const [userId] = await makeUsers(1, 10_000);
    const ledger = newLedger(ledgerStore(), seededRng(4));
    const keyed = (key: string) => ledger.play({ userId: userId!, game: slot, input: { bet: 1 }, betMinor: 100, idempotency: { key, requestHash: 'h' } });
    const first = await keyed('k1');
    const batch = await Promise.all([keyed('k1'), play(ledger, userId!, 100), keyed('k2'), play(ledger, userId!, 100)]);
    expect(batch[0]).toEqual({ kind: 'replayed', response: responseOf(first)! });
    expect(batch.filter((o) => o.kind === 'settled').length).toBe(3);
    expect((await books(userId!)).seqs).toEqual([1, 2, 3, 4]);
  });

  it('draws each play from its seeds with the next nonce; a refused play and a replayed key take none', async () => {
    const [userId, other] = await makeUsers(2, 1_000);
    const ledger = newLedger(ledgerStore());
    const keyed = (key: string) => ledger.play({ userId: userId!, game: slot, input: { bet: 1 }, betMinor: 100, idempotency: { key, requestHash: 'h' } });
    const tooBig = () => play(ledger, userId!, 1_000_000);
    // Alone (applyOne): a settled play, then a refused one.
    const first = await keyed('k1');
    expect((await tooBig()).kind).toBe('refused');
    // Together (applyBatch): a replayed key, a refusal, and two users' plays.
    const batch = await Promise.all([keyed('k1'), play(ledger, userId!, 100), tooBig(), play(ledger, other!, 100), keyed('k2')]);
    expect(batch.map((o) => o.kind)).toEqual(['replayed', 'settled', 'refused', 'settled', 'settled']);
    const settled = [first, ...batch].flatMap((o) => (o.kind === 'settled' ? [o.play] : []));

    const seeds = new Map<number, { server_seed: string; server_seed_hash: string; client_seed: string; nonce: number | string }>();
    for (const row of await db.sql`SELECT user_id, server_seed, server_seed_hash, client_seed, nonce FROM fairness_seeds`) seeds.set(Number(row.user_id), row);
    expect(Number(seeds.get(userId!)!.nonce)).toBe(3);
    expect(Number(seeds.get(other!)!.nonce)).toBe(1);
    expect(settled.filter((p) => p.userId === userId).map((p) => (p.result.fairness as { nonce: number }).nonce)).toEqual([0, 1, 2]);
    for (const p of settled) {
      const seed = seeds.get(p.userId)!;
      const nonce = (p.result.fairness as { nonce: number }).nonce;
      // The stored seeds reproduce every result and payout: the play drew from them.
      const again = fairOutcome(slot, { bet: p.betMinor / 100 }, p.betMinor, { serverSeed: seed.server_seed, serverSeedHash: seed.server_seed_hash, clientSeed: seed.client_seed, nonce });
      expect({ result: p.result, payoutMinor: p.payoutMinor }).toEqual(again);
    }
  });
}

describe('Ledger on Bun.SQL, sqlite', () => {
  useDatabase('sqlite');

  it('looks stored keys up through the (user_id, key) index, not by scanning the table', async () => {
    const [userId] = await makeUsers(1, 10_000);
    const lookups: string[] = [];
    const watching = recordUnsafe(db.sql, (text, params) => {
      if (text.includes('FROM idempotency_keys')) lookups.push(text, JSON.stringify(params));
    });
    const ledger = newLedger(new SqlLedgerStore(watching, 'sqlite'), seededRng(5));
    await Promise.all(['a', 'b', 'c'].map((key) => ledger.play({ userId: userId!, game: slot, input: { bet: 1 }, betMinor: 100, idempotency: { key, requestHash: 'h' } })));
    expect(lookups.length).toBe(2);
    const plan = await db.sql.unsafe(`EXPLAIN QUERY PLAN ${lookups[0]}`, JSON.parse(lookups[1]!));
    const steps = plan.map((row: { detail: string }) => row.detail).join('\n');
    expect(steps).not.toMatch(/^SCAN idempotency_keys/m);
    expect(steps).toMatch(/SEARCH idempotency_keys USING (COVERING )?INDEX sqlite_autoindex_idempotency_keys_1 \(user_id=\? AND key=\?\)/);
  });
});

/**
 * The bun:sqlite store beside the Bun.SQL connection the rest of the server writes the same file
 * with. A Bun.SQL transaction may hold the write lock across an await; the ledger's synchronous
 * transactions must then wait off the JavaScript thread (a busy timeout there would block the
 * very thread that has to finish the other transaction).
 */
describe('Ledger on bun:sqlite beside Bun.SQL', () => {
  useDatabase('sqlite');

  it('lets plays wait for a Bun.SQL transaction held open across an await, without blocking the thread, and loses none', async () => {
    const [player, other] = await makeUsers(2, 100_000);
    const ledger = new Ledger(new SqliteLedgerStore(db.sqlite!), seededRng(1), { publisher: { render: renderPlay } });
    const log: string[] = [];
    let plays: Promise<PlayOutcome>[] = [];

    await db.sql.begin(async (tx) => {
      // Takes the write lock, then keeps it across awaits while the plays arrive.
      await tx`UPDATE users SET balance = balance + 1 WHERE id = ${other!}`;
      plays = Array.from({ length: 40 }, (_, i) => play(ledger, player!, 100 + i));
      for (const play of plays) void play.then(() => log.push('play settled'));
      // Timers still fire while the plays wait: the thread is not stuck in a busy wait.
      for (let turn = 0; turn < 5; turn++) {
        await Bun.sleep(10);
        log.push('timer');
      }
      await tx`UPDATE users SET balance = balance + 1 WHERE id = ${other!}`;
      log.push('committing');
    });

    const outcomes = await Promise.all(plays);
    expect(log.slice(0, 6)).toEqual(['timer', 'timer', 'timer', 'timer', 'timer', 'committing']);
    expect(log.filter((entry) => entry === 'play settled')).toHaveLength(40);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(Array(40).fill('settled'));

    const { balance, seq, seqs, net } = await books(player!);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(seq).toBe(40);
    expect(balance).toBe(100_000 + net);
    expect((await books(other!)).balance).toBe(100_002);
  });

  it('gives up on a database busy for longer than its retry period, writing nothing, and plays again once it is free', async () => {
    const [player, other] = await makeUsers(2, 100_000);
    const ledger = new Ledger(new SqliteLedgerStore(db.sqlite!, 30), seededRng(2), { publisher: { render: renderPlay } });
    await db.sql.begin(async (tx) => {
      await tx`UPDATE users SET balance = balance + 1 WHERE id = ${other!}`;
      await expect(play(ledger, player!, 100)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    });
    expect((await books(player!)).seq).toBe(0);
    expect((await play(ledger, player!, 100)).kind).toBe('settled');
    expect((await books(player!)).seqs).toEqual([1]);
  });

  it('opens its connection as durable as the server connection: WAL, synchronous NORMAL, foreign keys, no busy timeout', () => {
    const pragma = (name: string) => Object.values(db.sqlite!.query(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
    expect(pragma('journal_mode')).toBe('wal');
    expect(pragma('synchronous')).toBe(1);
    expect(pragma('foreign_keys')).toBe(1);
    expect(pragma('busy_timeout')).toBe(0);
  });

  it('closes its connection when the database closes', async () => {
    const connection = db.sqlite!;
    await db.close();
    expect(() => connection.query('SELECT 1').get()).toThrow();
    db = await openDatabase(store.url);
  });
});

/** `store` whose transactions run `after(tx)` right after each `readAccounts`. */
function afterReadAccounts(store: LedgerStore, after: (tx: LedgerStatements) => Step<void>): LedgerStore {
  const wrapTx = (tx: LedgerStatements): LedgerStatements =>
    Object.assign(Object.create(tx), {
      *readAccounts(userIds: number[]) {
        const rows = yield* tx.readAccounts(userIds);
        yield* after(tx);
        return rows;
      },
    });
  return { transaction: (work) => store.transaction((tx) => work(wrapTx(tx))), findKey: (key) => store.findKey(key), purgeKeys: (before) => store.purgeKeys(before) };
}

/** db.sql whose transactions report each `unsafe` statement (text and parameters) before running it. */
function recordUnsafe(sql: SQL, record: (text: string, params: unknown[] | undefined) => void): SQL {
  const wrapTx = (tx: SQL) =>
    new Proxy(tx, {
      get(target, property, receiver) {
        if (property !== 'unsafe') return Reflect.get(target, property, receiver);
        return (text: string, params?: unknown[]) => {
          record(text, params);
          return target.unsafe(text, params);
        };
      },
    });
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property !== 'begin') return Reflect.get(target, property, receiver);
      return (fn: (tx: SQL) => Promise<unknown>) => target.begin((tx) => fn(wrapTx(tx)));
    },
  });
}

/**
 * The publisher the ledger is given at construction (realtime's PlayPublisher in the server):
 * each commit is handed to it right after the commit, per user in seq order, an admin's
 * adjustment in its place among the user's plays, and no refused play.
 */
describe('the ledger’s publisher', () => {
  useDatabase('sqlite');

  it('is handed every settled play and adjustment in commit order, per user in seq order, and nothing refused', async () => {
    const [rich, poor] = await makeUsers(2, 100_000);
    await db.sql`UPDATE users SET balance = 50 WHERE id = ${poor!}`;
    const handed: string[] = [];
    const ledger = new Ledger(onBunSqlite(db), seededRng(3), {
      publisher: {
        render: renderPlay,
        played: (settled, texts) => {
          expect(JSON.parse(texts.event).event_id).toBe(`${settled.userId}-${settled.seq}`);
          handed.push(`play ${settled.userId}-${settled.seq}`);
        },
        adjusted: (adjustment) => handed.push(`adjust ${adjustment.userId} ${adjustment.amountMinor}`),
      },
    });
    const first = [play(ledger, rich!, 100), play(ledger, rich!, 100), play(ledger, poor!, 100)];
    const adjusted = ledger.adjust({ kind: 'adjustment', userId: rich!, adminId: poor!, amountMinor: 500, reason: 'goodwill', respond: () => '{}' });
    await Promise.all([...first, adjusted]);
    await play(ledger, rich!, 100);
    expect((await Promise.all(first)).map((outcome) => outcome.kind)).toEqual(['settled', 'settled', 'refused']);
    expect(handed).toEqual([`play ${rich}-1`, `play ${rich}-2`, `adjust ${rich} 500`, `play ${rich}-3`]);
  });
});
