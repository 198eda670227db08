/**
 * Several instances on one PostgreSQL (REDIS_URL deployments): one user's full-balance plays
 * fired at once through two app instances never overdraw, and the ledger identity and gap-free
 * sequences hold. The row lock, not an in-process queue, is what keeps them apart here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { api, fullBalance, ledgerOf, type GameName } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { FIRST_USE_TIMEOUT_MS } from '../support/postgres';
import { startTestServer, testStore, type TestServer, type TestStore } from '../support/server';

const INITIAL_CENTS = 1000 * 100;
let store: TestStore;
let servers: TestServer[] = [];

beforeAll(async () => {
  store = await testStore('postgres');
  // One after the other: both migrate the same database, the second finds it done.
  servers = [await startTestServer({}, { store }), await startTestServer({}, { store })];
}, FIRST_USE_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(servers.map((server) => server?.close()));
  await store?.remove();
});

describe('two app instances on one PostgreSQL', () => {
  it('never overdraw one user under concurrent full-balance plays, and the ledger adds up', async () => {
    const clients = servers.map((server) => api(server.url));
    const games: GameName[] = ['slot', 'rps', 'gacha', 'crash'];
    for (let round = 0; round < 5; round++) {
      const user = await clients[round % 2]!.signup();
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => clients[i % 2]!.play(user.access_token, games[i % games.length]!, fullBalance(games[i % games.length]!))),
      );
      for (const answer of answers) expect([200, 402]).toContain(answer.status);
      const accepted = answers.filter((answer) => answer.status === 200);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      // Both instances took part, and no play was answered 200 without being in the books.
      const ledger = await ledgerOf(servers[0]!, user.user.id);
      expect(ledger.plays).toBe(accepted.length);
      expect(ledger.balance).toBeGreaterThanOrEqual(0);
      expect(ledger.balance).toBe(INITIAL_CENTS - ledger.bets + ledger.payouts);
      // Each 200 reported a balance the books passed through, never below zero.
      for (const answer of accepted) expect(answer.json.balance).toBeGreaterThanOrEqual(0);
    }
    const audit = await auditLedger(store.sql(), INITIAL_CENTS);
    expect(audit.problems).toEqual([]);
    expect(audit.users).toBeGreaterThanOrEqual(5);
  }, 30_000);
});
