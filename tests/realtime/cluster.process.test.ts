/**
 * The cluster as it is deployed: two `bun src/index.ts` processes started with REDIS_URL and
 * one postgres:// DATABASE_URL, nothing injected. A play answered by one reaches the player's
 * socket and a monitor on the other. (Written when the real start with REDIS_URL exited on its
 * first presence command: the lazy Redis client was never connected, and the in-process
 * cluster tests inject their broker, so none of them took that path.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { api } from '../support/client';
import { FIRST_USE_TIMEOUT_MS, freshPostgresUrl } from '../support/postgres';
import { spawnServer, type ServerProcess } from '../support/process';
import { startTestRedis, type TestRedis } from '../support/redis';
import { openMonitor, openUserSocket } from '../support/socket';

let redis: TestRedis;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  const env = { DATABASE_URL: await freshPostgresUrl(), REDIS_URL: redis.url, ADMIN_USERNAME: 'cluster_admin', ADMIN_PASSWORD: 'cluster-admin-password' };
  // One after the other: the first applies the migrations to the fresh database.
  servers.push(await spawnServer(env, 30_000));
  servers.push(await spawnServer(env, 30_000));
}, FIRST_USE_TIMEOUT_MS);

afterAll(async () => {
  for (const server of servers) {
    server.proc.kill();
    await server.proc.exited;
  }
  await redis?.close();
});

describe('two server processes on one PostgreSQL and one Redis', () => {
  it('start, and deliver a play answered by one to the socket and the monitor on the other', async () => {
    const [a, b] = servers.map((server) => api(server.url));
    const user = await a!.signup();
    const admin = await b!.post('/api/auth/login', { username: 'cluster_admin', password: 'cluster-admin-password' });
    expect(admin.status).toBe(200);
    const onB = await openUserSocket(servers[1]!.url, user.access_token);
    const { socket: monitorOnB } = await openMonitor(servers[1]!.url, admin.json.access_token);
    try {
      const play = await a!.play(user.access_token, 'slot');
      expect(play.status).toBe(200);
      const seen = await onB.next((m) => m.type === 'game_event' && m.event_id === play.json.event_id);
      expect(seen.user_id).toBe(user.user.id);
      const monitored = await monitorOnB.next((m) => m.type === 'game_event' && m.event_id === play.json.event_id);
      expect(monitored.user_id).toBe(user.user.id);
      expect((await b!.get('/health')).json).toEqual({ status: 'ok' });
    } finally {
      onB.close();
      monitorOnB.close();
    }
  });
});
