/**
 * Faults under a cluster of real server processes on one PostgreSQL and one Redis: one
 * user's full-balance plays on two instances at once never overdraw; PostgreSQL stopped and
 * started refuses plays with JSON 503 `database_unavailable`, half-writes nothing and comes
 * back by itself; an instance SIGKILLed has its users reported gone by a survivor.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import { api, fullBalance, type Api, type GameName } from '../support/client';
import { eventually, useCluster } from '../support/cluster';
import { auditLedger } from '../support/ledger-audit';
import { postgresCluster } from '../support/postgres';
import { openMonitor, openUserSocket } from '../support/socket';
import { waitUntil } from '../support/streams';

const INITIAL_CENTS = 1000 * 100;
const suite = useCluster(2);
const { sockets } = suite;
// Whatever happens in a test, the PostgreSQL other files share is up again after this file.
afterAll(async () => (await postgresCluster()).start());

describe('a cluster of two processes under faults', () => {
  it('never overdraws one user under concurrent full-balance plays on both instances', async () => {
    const games: GameName[] = ['slot', 'rps', 'gacha', 'crash'];
    for (let round = 0; round < 3; round++) {
      const user = await suite.clients[round % 2]!.signup();
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => suite.clients[i % 2]!.play(user.access_token, games[i % games.length]!, fullBalance(games[i % games.length]!))));
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status !== 200 && status !== 402)).toEqual([]);
      const accepted = answers.filter((answer) => answer.status === 200);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      for (const answer of accepted) expect(answer.json.balance).toBeGreaterThanOrEqual(0);
      for (const answer of answers.filter((answer) => answer.status === 402)) expect(answer.json.error.code).toBe('insufficient_funds');
      const [row] = await suite.cluster.sql()`SELECT balance, event_seq FROM users WHERE id = ${user.user.id}`;
      expect(Number(row.balance)).toBeGreaterThanOrEqual(0);
      expect(Number(row.event_seq)).toBe(accepted.length);
    }
    expect((await auditLedger(suite.cluster.sql(), INITIAL_CENTS)).problems).toEqual([]);
  }, 30_000);

  it('answers 503 database_unavailable while PostgreSQL is down, half-writes nothing, and plays again once it is back', async () => {
    const postgres = await postgresCluster();
    const users = [await suite.clients[0]!.signup(), await suite.clients[1]!.signup()];
    const statuses: number[] = [];
    const refusals: unknown[] = [];
    let isRunning = true;
    // Plays on both instances, through the stop and the start.
    const lanes = users.flatMap((user) =>
      suite.clients.map(async (client) => {
        while (isRunning) {
          const play = await client.play(user.access_token, 'gacha', { bet: 1 });
          statuses.push(play.status);
          if (play.status !== 200) refusals.push(play.json);
        }
      }),
    );
    await waitUntil(() => statuses.length >= 8, 'plays before the outage');
    await postgres.stop();
    try {
      const down = Date.now();
      await waitUntil(() => refusals.length >= 8 && Date.now() - down > 500, 'plays refused while PostgreSQL is down', 10_000);
      for (const client of suite.clients) {
        const health = await client.get('/health');
        expect([health.status, health.json.error.code]).toEqual([503, 'database_unavailable']);
        expect((await client.get('/ready')).status).toBe(503);
      }
    } finally {
      await postgres.start();
    }
    // Back by itself: every lane sees a 200 again, no restart.
    const refusedBefore = statuses.length;
    await waitUntil(() => statuses.slice(refusedBefore).filter((status) => status === 200).length >= 8, 'plays accepted again', 10_000);
    isRunning = false;
    await Promise.all(lanes);

    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    for (const refusal of refusals) expect(refusal).toMatchObject({ error: { code: 'database_unavailable', message: expect.any(String) } });
    for (const client of suite.clients) expect((await client.get('/health')).status).toBe(200);
    const audit = await auditLedger(suite.cluster.sql(), INITIAL_CENTS);
    expect(audit.problems).toEqual([]);
    // A play whose commit landed just as the connection was cut may have been answered 503.
    const stored = [...audit.eventIds].filter((id) => users.some((user) => id.startsWith(`${user.user.id}-`))).length;
    expect(stored).toBeGreaterThanOrEqual(statuses.filter((status) => status === 200).length);
  }, 40_000);

  it("reports a SIGKILLed instance's users gone on the survivor's monitor within 30 s", async () => {
    const victim = await suite.cluster.spawn();
    const survivor = suite.cluster.instances[0]!;
    const { socket: monitor } = await openMonitor(survivor.url, suite.adminToken);
    sockets.track(monitor);
    const [onVictim, onBoth] = [await suite.clients[0]!.signup(), await suite.clients[0]!.signup()];
    sockets.track(await openUserSocket(victim.url, onVictim.access_token));
    sockets.track(await openUserSocket(victim.url, onBoth.access_token));
    sockets.track(await openUserSocket(survivor.url, onBoth.access_token));
    // A join crosses Redis from a process that has just started: on a loaded machine that has
    // taken more than the 5 s default (seen once in five runs).
    for (const user of [onVictim, onBoth]) await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'join', 15_000);

    await victim.stop('SIGKILL');
    const killed = Date.now();
    await monitor.next((m) => m.type === 'presence' && m.user_id === onVictim.user.id && m.status === 'leave', 30_000);
    const tookMs = Date.now() - killed;
    // The user with a socket on the survivor too stays online, on the monitor and in a snapshot.
    await monitor.settle();
    expect(monitor.all('presence').filter((m) => m.user_id === onBoth.user.id).map((m) => m.status)).toEqual(['join']);
    const { socket, snapshot } = await openMonitor(survivor.url, suite.adminToken);
    socket.close();
    expect(snapshot.connected_user_ids).toContain(onBoth.user.id);
    expect(snapshot.connected_user_ids).not.toContain(onVictim.user.id);
    await eventually(async () => (await api(survivor.url).get('/health')).json.status, (status) => status === 'ok', 'the survivor healthy');
    console.log(`SIGKILL: leave on the survivor's monitor after ${tookMs} ms`);
  }, 40_000);
});
