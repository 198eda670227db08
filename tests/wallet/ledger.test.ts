/**
 * The ledger against a real database (SQLite and PostgreSQL): plays that arrive together are settled as one batch,
 * and the books must come out the same as if each had run alone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import type { SQL } from 'bun';
import { insertUser } from '../../src/auth/users';
import { crash } from '../../src/games/crash';
import type { Game } from '../../src/games/game';
import { seededRng } from '../../src/games/rng';
import { slot } from '../../src/games/slot';
import { AppError } from '../../src/http/errors';
import { openDatabase, type Database } from '../../src/storage';
import { Ledger, type PlayOutcome } from '../../src/wallet/ledger';
import { describeEngines, testStore, type TestStore } from '../support/server';

let store: TestStore;
let db: Database;

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

describeEngines('Ledger on %s', (engine) => {
  beforeEach(async () => {
    store = await testStore(engine);
    db = await openDatabase(store.url);
  });

  afterEach(async () => {
    await db.close();
    await store.remove();
  });

  it('settles hundreds of concurrent plays of many users so that every balance equals initial + Σ(payout − bet)', async () => {
    const initial = 5_000;
    const users = await makeUsers(6, initial);
    const ledger = new Ledger(db.sql, seededRng(1), db.dialect);
    // Bets big enough that several accounts run dry partway through a batch.
    const outcomes = await Promise.allSettled(Array.from({ length: 600 }, (_, i) => play(ledger, users[i % users.length]!, 100 + (i % 7) * 150)));
    const accepted = outcomes.filter((o): o is PromiseFulfilledResult<PlayOutcome> => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    for (const refusal of refused) expect((refusal.reason as AppError).code).toBe('insufficient_funds');

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
    for (const { value } of accepted) {
      const body = JSON.parse(value.response);
      const [user, seq] = body.event_id.split('-').map(Number);
      if ((last.get(user)?.seq ?? 0) < seq) last.set(user, { seq, balance: body.balance });
    }
    for (const userId of users) expect(last.get(userId)?.balance ?? initial / 100).toBe((await books(userId)).balance / 100);
  });

  it('refuses a bet the running balance of its batch can no longer cover, and only that one', async () => {
    const [userId] = await makeUsers(1, 1_000);
    const alwaysLoses: Game = { ...crash, play: (_input, bet, rng) => crash.play({ bet: bet / 100, cashout: 1000 }, bet, { ...rng, float: () => 0 }) };
    const ledger = new Ledger(db.sql, seededRng(2), db.dialect);
    const outcomes = await Promise.allSettled([400, 400, 400, 200].map((bet) => play(ledger, userId!, bet, alwaysLoses, { bet: bet / 100, cashout: 2 })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await books(userId!)).balance).toBe(0);
  });

  it('retries each play alone when an account moved while its batch was settled, losing and doubling nothing', async () => {
    const [userId] = await makeUsers(1, 100_000);
    let interfered = 0;
    // Right after the batch reads the account, something else moves it (in the same transaction,
    // as another writer would have before our commit).
    const meddling = afterUnsafe(db.sql, async (tx, text) => {
      if (text.startsWith('SELECT id, balance, event_seq') && interfered++ === 0) {
        await tx`UPDATE users SET balance = balance + 500, event_seq = event_seq + 1 WHERE id = ${userId}`;
      }
    });
    const ledger = new Ledger(meddling, seededRng(3), db.dialect);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => play(ledger, userId!, 100)));
    expect(interfered).toBeGreaterThan(0);
    expect(outcomes.every((o) => !o.replayed)).toBe(true);
    const { balance, seqs, net } = await books(userId!);
    // The meddling write was rolled back with the failed batch; the 20 plays then ran alone.
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(balance).toBe(100_000 + net);
  });

  it('answers a stored Idempotency-Key inside a batch with the stored response, charging nothing', async () => {
    const [userId] = await makeUsers(1, 10_000);
    const ledger = new Ledger(db.sql, seededRng(4), db.dialect);
    const keyed = (key: string) => ledger.play({ userId: userId!, game: slot, input: { bet: 1 }, betMinor: 100, idempotency: { key, requestHash: 'h' } });
    const first = await keyed('k1');
    const batch = await Promise.all([keyed('k1'), play(ledger, userId!, 100), keyed('k2'), play(ledger, userId!, 100)]);
    expect(batch[0]).toEqual({ response: first.response, replayed: true });
    expect(batch.filter((o) => !o.replayed).length).toBe(3);
    expect((await books(userId!)).seqs).toEqual([1, 2, 3, 4]);
  });
});

/** db.sql whose transactions call `after(tx, text)` once each `unsafe` statement has run. */
function afterUnsafe(sql: SQL, after: (tx: SQL, text: string) => Promise<void>): SQL {
  const wrapTx = (tx: SQL) =>
    new Proxy(tx, {
      get(target, property, receiver) {
        if (property !== 'unsafe') return Reflect.get(target, property, receiver);
        return async (text: string, params?: unknown[]) => {
          const result = await target.unsafe(text, params);
          await after(tx, text);
          return result;
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
