/**
 * Admin actions across a cluster of two server processes on one PostgreSQL and one Redis: an
 * action asked of one instance reaches the player's sockets on the other (a balance_update, a
 * 4003 close, a 4004 close counted from both), and with Redis or PostgreSQL down mid-way an
 * action is either refused and not recorded, or applied and recorded and carried out once it
 * can be.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import type { Api } from '../support/client';
import { eventually, useCluster } from '../support/cluster';
import { postgresCluster } from '../support/postgres';
import { openUserSocket, type TestSocket } from '../support/socket';

const suite = useCluster(2);
const { sockets } = suite;
// Whatever happens in a test, the PostgreSQL other files share is up again after this file.
afterAll(async () => (await postgresCluster()).start());

const auditRows = async () => Number((await suite.cluster.sql()`SELECT COUNT(*) AS n FROM admin_audit`)[0].n);
const isOpen = (socket: TestSocket) => socket.ws.readyState === WebSocket.OPEN;

/** Until each instance's broker is connected and its cluster panel lists both instances: a survey then waits for both. */
async function bothInstancesKnown(): Promise<void> {
  for (const client of suite.clients) {
    await eventually(() => client.get('/health'), (health) => health.json?.status === 'ok', 'the broker connected');
    await eventually(() => client.get('/api/admin/cluster', suite.adminToken), (answer) => answer.json?.instances?.length === 2, 'both instances on the cluster panel');
  }
}

/** A player with a socket on each instance (and a second on B). */
async function playerOnBoth(client: Api) {
  const player = await client.signup('spread');
  const [a, b] = suite.cluster.instances.map((instance) => instance.url) as [string, string];
  const socketsOf = [await openUserSocket(a, player.access_token), await openUserSocket(b, player.access_token), await openUserSocket(b, player.access_token)].map((s) => sockets.track(s));
  return { player, sockets: socketsOf };
}

describe('admin actions on a cluster of two', () => {
  it('shows both instances, their sockets, the broker and the database on the cluster panel', async () => {
    await bothInstancesKnown();
    const { player } = await playerOnBoth(suite.clients[0]!);
    const panel = await eventually(
      () => suite.clients[0]!.get('/api/admin/cluster', suite.adminToken),
      (answer) => answer.json.instances.reduce((n: number, node: { sockets: { user: number } }) => n + node.sockets.user, 0) >= 3,
      'the sockets counted on the panel',
    );
    expect(panel.json.broker).toEqual({ name: 'redis', connected: true });
    expect(panel.json.database).toEqual({ dialect: 'postgres', ok: true });
    expect(panel.json.instances.map((node: { self: boolean }) => node.self)).toEqual([true, false]);
    for (const node of panel.json.instances) expect(node).toMatchObject({ broker: true, database: 'ok', started_at: expect.any(String), seen_at: expect.any(String) });
    expect(player.user.id).toBeGreaterThan(0);
  });

  it("sends an adjustment's balance_update to the player's sockets on the other instance", async () => {
    const { player, sockets: [, onB] } = await playerOnBoth(suite.clients[1]!);
    const answer = await suite.clients[0]!.post(`/api/admin/users/${player.user.id}/adjust`, { amount: 25, reason: 'tournament prize' }, suite.adminToken);
    expect(answer.status).toBe(200);
    expect(await onB!.next('balance_update')).toMatchObject({ reason: 'adjustment', delta: 25, balance: 1025, event_id: `adjustment-${answer.json.adjustment_id}` });
  });

  it('closes the player’s sockets on both instances, 4004 counted from both for a disconnect and 4003 for a block', async () => {
    await bothInstancesKnown();
    const kicked = await playerOnBoth(suite.clients[0]!);
    const disconnect = await suite.clients[0]!.post(`/api/admin/users/${kicked.player.user.id}/disconnect`, { reason: 'cleanup' }, suite.adminToken);
    expect([disconnect.status, disconnect.json]).toEqual([200, { closed: 3 }]);
    expect(await Promise.all(kicked.sockets.map(async (socket) => (await socket.closed).code))).toEqual([4004, 4004, 4004]);

    const blocked = await playerOnBoth(suite.clients[1]!);
    const block = await suite.clients[0]!.post(`/api/admin/users/${blocked.player.user.id}/block`, { reason: 'fraud' }, suite.adminToken);
    expect(block.status).toBe(200);
    expect(await Promise.all(blocked.sockets.map(async (socket) => (await socket.closed).code))).toEqual([4003, 4003, 4003]);
    const play = await suite.clients[1]!.play(blocked.player.access_token, 'slot', { bet: 1 });
    expect([play.status, play.json.error.code]).toEqual([403, 'account_blocked']);
  }, 20_000);

  it('with Redis down: refuses a disconnect (503, nothing recorded); a block stands and reaches the other instance by its sweep', async () => {
    await bothInstancesKnown();
    const kicked = await playerOnBoth(suite.clients[0]!);
    const blocked = await playerOnBoth(suite.clients[0]!);
    const before = await auditRows();
    await suite.cluster.redis.stop();
    try {
      await eventually(() => suite.clients[0]!.get('/health'), (health) => health.json?.status === 'degraded', 'the broker seen away');
      const disconnect = await suite.clients[0]!.post(`/api/admin/users/${kicked.player.user.id}/disconnect`, { reason: 'while away' }, suite.adminToken);
      expect([disconnect.status, disconnect.json.error.code]).toEqual([503, 'broker_unavailable']);
      expect(await auditRows()).toBe(before);
      await Bun.sleep(200);
      expect(kicked.sockets.every(isOpen)).toBe(true);

      // Applied and recorded; the socket on A closes at once, those on B by B's own sweep.
      const block = await suite.clients[0]!.post(`/api/admin/users/${blocked.player.user.id}/block`, { reason: 'while away' }, suite.adminToken);
      expect(block.status).toBe(200);
      expect(await auditRows()).toBe(before + 1);
      const codes = await Promise.all(blocked.sockets.map((socket) => Promise.race([socket.closed.then((c) => c.code), Bun.sleep(8_000).then(() => 'still open')])));
      expect(codes).toEqual([4003, 4003, 4003]);
    } finally {
      await suite.cluster.redis.start();
    }
  }, 30_000);

  it('with PostgreSQL down: refuses each action with 503 database_unavailable, closing and recording nothing', async () => {
    await bothInstancesKnown();
    const target = await playerOnBoth(suite.clients[0]!);
    const before = await auditRows();
    const postgres = await postgresCluster();
    await postgres.stop();
    const answers: [string, number, string][] = [];
    try {
      for (const [action, body] of [['adjust', { amount: 5, reason: 'down' }], ['block', { reason: 'down' }], ['disconnect', { reason: 'down' }]] as const) {
        const answer = await suite.clients[0]!.post(`/api/admin/users/${target.player.user.id}/${action}`, body, suite.adminToken);
        answers.push([action, answer.status, answer.json?.error?.code]);
      }
    } finally {
      await postgres.start();
    }
    expect(answers).toEqual([
      ['adjust', 503, 'database_unavailable'],
      ['block', 503, 'database_unavailable'],
      ['disconnect', 503, 'database_unavailable'],
    ]);
    await eventually(() => suite.clients[0]!.get('/ready'), (ready) => ready.status === 200, 'the database back');
    expect(await auditRows()).toBe(before);
    expect(target.sockets.every(isOpen)).toBe(true);
    const [row] = await suite.cluster.sql()`SELECT balance, status FROM users WHERE id = ${target.player.user.id}`;
    expect([Number(row.balance), row.status]).toEqual([100000, 'active']);
  }, 30_000);
});
