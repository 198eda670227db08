/**
 * What a socket's start reads about its user on a SQLite file: the blocked check and the
 * balance, synchronously on the ledger's bun:sqlite connection, with the same answers as the
 * Bun.SQL reads they replace, and the Bun.SQL read again when the synchronous one cannot be made.
 */
import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import { insertUser, isBlocked as readBlocked } from '../../src/auth/users';
import { blockedCheck } from '../../src/realtime/account-status';
import { BalanceReader, NOT_NOW } from '../../src/realtime/balance-reader';
import { openDatabase, type Database } from '../../src/storage';
import { testStore, type TestStore } from '../support/server';

let store: TestStore;
let db: Database;

beforeEach(async () => {
  store = await testStore('sqlite');
  db = await openDatabase(store.url);
});

afterEach(async () => {
  await db.close();
  await store.remove();
});

async function user(name: string): Promise<number> {
  const row = await insertUser(db.sql, { username: name, passwordHash: 'x', role: 'user', balanceMinor: 1000 });
  return row!.id;
}

describe('socket reads on a SQLite file', () => {
  it('answers the blocked check synchronously, as the database holds it', async () => {
    const [active, blocked] = [await user('active1'), await user('blocked1')];
    await db.sql`UPDATE users SET status = 'blocked' WHERE id = ${blocked}`;
    const isBlocked = blockedCheck(db, (userId) => readBlocked(db.sql, userId));
    expect(isBlocked(active)).toBe(false);
    expect(isBlocked(blocked)).toBe(true);
    expect(isBlocked(999_999)).toBe(false);
  });

  it('reads the balance synchronously: none before the first play, the latest play after', async () => {
    const id = await user('player1');
    const balances = new BalanceReader(db.sql, db.sqlite);
    expect(balances.currentNow(id)).toBeUndefined();
    await db.sql`INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at) VALUES (${id}, 1, 'slot', 100, 250, '{}', ${Date.UTC(2026, 0, 1)})`;
    await db.sql`UPDATE users SET balance = 1150, event_seq = 1 WHERE id = ${id}`;
    const now = balances.currentNow(id);
    expect(now).not.toBe(NOT_NOW);
    expect(now).toEqual(await new BalanceReader(db.sql).current(id));
    expect(JSON.parse((now as { message: string }).message)).toMatchObject({ type: 'balance_update', user_id: id, balance: 11.5, delta: 1.5, reason: 'slot' });
  });

  it('falls back to Bun.SQL when the bun:sqlite connection cannot read', async () => {
    const id = await user('blocked2');
    await db.sql`UPDATE users SET status = 'blocked' WHERE id = ${id}`;
    const isBlocked = blockedCheck(db, (userId) => readBlocked(db.sql, userId));
    const balances = new BalanceReader(db.sql, db.sqlite);
    db.sqlite!.close();
    expect(balances.currentNow(id)).toBe(NOT_NOW);
    expect(await balances.current(id)).toBeUndefined();
    expect(await isBlocked(id)).toBe(true);
  });
});
