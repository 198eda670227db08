/**
 * PostgreSQL going away mid-run (the real cluster stopped, then started again): a play gets a
 * JSON 503 database_unavailable, nothing is half-written (the ledger identity and gap-free
 * sequences hold, no event is pushed for a play that did not commit), and once PostgreSQL is
 * back plays succeed again on the same server, without a restart.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import { ledgerOf } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { postgresCluster } from '../support/postgres';
import { openUserSocket } from '../support/socket';
import { useServer } from '../support/suite';

const suite = useServer({}, { engine: 'postgres', withPlayer: true });
// Whatever happens in a test, the cluster other files share is up again after this file.
afterAll(async () => (await postgresCluster()).start());

describe('PostgreSQL stopped and started under a running server', () => {
  it('answers 503 database_unavailable while it is down, charges nothing, and plays again once it is back', async () => {
    const { client, player, socket } = suite;
    const cluster = await postgresCluster();
    expect((await client.play(player.access_token, 'slot', { bet: 1 })).status).toBe(200);
    await socket.next('game_event');
    const before = await ledgerOf(suite.server, player.user.id);

    await cluster.stop();
    const refused = await Promise.all(Array.from({ length: 4 }, () => client.play(player.access_token, 'slot', { bet: 1 })));
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.json.error.code).toBe('database_unavailable');
      expect(typeof response.json.error.message).toBe('string');
    }
    const health = await client.get('/health');
    expect([health.status, health.json.error.code]).toEqual([503, 'database_unavailable']);
    expect((await socket.settle()).filter((m) => m.type === 'game_event' || m.type === 'balance_update')).toEqual([]);
    // A fresh socket opens all the same; its balance cannot be read, so it goes live without it.
    const fresh = suite.sockets.track(await openUserSocket(suite.server.url, player.access_token));
    expect((await fresh.settle()).map((m) => m.type)).toEqual([]);

    await cluster.start();
    const after = await client.play(player.access_token, 'slot', { bet: 1 });
    expect(after.status).toBe(200);
    expect(after.json.event_id).toBe(`${player.user.id}-${before.plays + 1}`);
    expect((await socket.next('game_event')).event_id).toBe(after.json.event_id);
    expect((await fresh.next('balance_update')).event_id).toBe(after.json.event_id);
    expect(fresh.received.map((m) => m.type)).toEqual(['ws_ack', 'pong', 'game_event', 'balance_update']);
    expect((await ledgerOf(suite.server, player.user.id)).plays).toBe(before.plays + 1);
    expect((await client.get('/health')).status).toBe(200);
  }, 60_000);

  it('leaves nothing half-written when it stops under plays in flight', async () => {
    const { client } = suite;
    const cluster = await postgresCluster();
    const users = await Promise.all([client.signup(), client.signup()]);
    const statuses: number[] = [];
    let isRunning = true;
    const lanes = users.flatMap((user) =>
      [1, 2].map(async () => {
        while (isRunning) statuses.push((await client.play(user.access_token, 'gacha', { bet: 1 })).status);
      }),
    );
    await Bun.sleep(150);
    await cluster.stop();
    await Bun.sleep(100);
    isRunning = false;
    await Promise.all(lanes);
    await cluster.start();

    // Every play either committed (200) or was refused whole (503): never anything else.
    expect(new Set(statuses)).toEqual(new Set([200, 503]));
    const audit = await auditLedger(suite.server.store.sql(), 1000 * 100);
    expect(audit.problems).toEqual([]);
    const committed = statuses.filter((status) => status === 200).length;
    const stored = users.reduce((sum, user) => sum + [...audit.eventIds].filter((id) => id.startsWith(`${user.user.id}-`)).length, 0);
    // A play whose commit landed just as the connection was cut may have been answered 503.
    expect(stored).toBeGreaterThanOrEqual(committed);
    for (const user of users) expect((await client.play(user.access_token, 'slot', { bet: 1 })).status).toBe(200);
  }, 60_000);
});
