/**
 * Limits hold for the cluster, not per instance (issue 20): measured before, a play rate of 5 a
 * second with a burst of 5 took 12 plays in about a second over two instances, and a socket cap
 * of 3 let 4 sockets open over three. Kept in Redis (src/limits/cluster-limits.ts); while Redis is
 * away every instance limits on its own, says so once per interval, and /health says degraded.
 */
import { describe, expect, it } from 'bun:test';
import { eventually, useCluster } from '../support/cluster';
import { openUserSocket, upgradeStatus } from '../support/socket';

const suite = useCluster(2, {
  PLAY_RATE_PER_SECOND: '1',
  PLAY_BURST: '5',
  WS_MAX_SOCKETS_PER_USER: '3',
  LOGIN_MAX_FAILURES: '3',
  LOGIN_LOCKOUT_SECONDS: '60',
  WS_MESSAGE_RATE_PER_SECOND: '1',
  WS_MESSAGE_BURST: '4',
});

describe('limits for the whole cluster', () => {
  it('the play rate: a burst of 5 is 5 plays over both instances, not 5 on each', async () => {
    const { clients } = suite;
    const user = await clients[0]!.signup('rate');
    const startedAt = Date.now();
    const statuses: number[] = [];
    for (let n = 0; n < 12; n++) statuses.push((await clients[n % 2]!.play(user.access_token, 'slot', { bet: 1 })).status);
    const refilled = Math.floor((Date.now() - startedAt) / 1000); // one play a second comes back
    const accepted = statuses.filter((status) => status === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(5);
    expect(accepted).toBeLessThanOrEqual(5 + refilled);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
  });

  it('the socket cap: 3 sockets of one user over both instances, the fourth refused', async () => {
    const { cluster, clients, sockets } = suite;
    const user = await clients[0]!.signup('cap');
    const [a, b] = cluster.instances.map((instance) => instance.url) as [string, string];
    const open = [await openUserSocket(a, user.access_token), await openUserSocket(b, user.access_token), await openUserSocket(a, user.access_token)];
    for (const socket of open) sockets.track(socket);
    const refused = await upgradeStatus(b, '/api/games/ws', { authorization: `Bearer ${user.access_token}` });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_sockets');
    // One closes: its place is free again, on the other instance too.
    open[0]!.ws.close();
    await open[0]!.closed;
    await eventually(async () => (await upgradeStatus(b, '/api/games/ws', { authorization: `Bearer ${user.access_token}` })).status, (status) => status === 101, 'a place free again');
  });

  it('the login lockout: 3 failures over both instances lock the name on both', async () => {
    const { clients } = suite;
    const user = await clients[0]!.signup('lockout');
    const username = user.user.username;
    for (let n = 0; n < 3; n++) expect((await clients[n % 2]!.post('/api/auth/login', { username, password: 'wrong-password!' })).status).toBe(401);
    for (const client of clients) {
      const locked = await client.post('/api/auth/login', { username, password: user.password });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('the message budget: a burst of 4 shared by the user\'s sockets on both instances', async () => {
    const { cluster, clients, sockets } = suite;
    const user = await clients[0]!.signup('budget');
    const [onA, onB] = await Promise.all(cluster.instances.map((instance) => openUserSocket(instance.url, user.access_token)));
    for (const socket of [onA!, onB!]) sockets.track(socket);
    // 3 pings on each: 6 in all, over the burst of 4, though each instance alone saw only 3.
    for (let n = 0; n < 3; n++) {
      onA!.ws.send(JSON.stringify({ type: 'ping' }));
      onB!.ws.send(JSON.stringify({ type: 'ping' }));
    }
    const closed = await Promise.race([onA!.closed, onB!.closed]);
    expect(closed.code).toBe(1008);
  });

  it('while Redis is away: each instance limits on its own, says so once, and /health says degraded', async () => {
    const { cluster, clients } = suite;
    const user = await clients[0]!.signup('fallback');
    await cluster.redis.stop();
    try {
      const statuses: number[] = [];
      for (let n = 0; n < 8; n++) statuses.push((await clients[0]!.play(user.access_token, 'slot', { bet: 1 })).status);
      // The instance's own bucket: a burst of 5, then refused; nothing stalled or failed.
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
      expect(await (await fetch(`${cluster.instances[0]!.url}/health`)).json()).toEqual({ status: 'degraded' });
      const warnings = cluster.instances[0]!.output().split('\n').filter((line) => line.includes('limits: Redis does not answer'));
      expect(warnings).toHaveLength(1);
    } finally {
      await cluster.redis.start();
    }
    await eventually(async () => (await fetch(`${cluster.instances[0]!.url}/ready`)).status, (status) => status === 200, 'ready again once Redis is back');
  }, 30_000);
});
