/**
 * Two real servers sharing one Redis broker: a play answered by one instance reaches the
 * player's socket and the monitors on the other, each event once. (Both servers share one
 * SQLite file here, in one process: the test is about the broker, not the database; a real
 * deployment shares PostgreSQL, which is why REDIS_URL beside an SQLite file is refused.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { frameKey } from '../../src/realtime/broker/frame';
import { redisBrokerFromUrl } from '../../src/realtime/broker/redis';
import { api } from '../support/client';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startTestServer, tempDir, type TestServer } from '../support/server';
import { openMonitor, openUserSocket } from '../support/socket';
import { eventIds, waitUntil } from '../support/streams';

let redis: TestRedis;
let dir: string;
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = tempDir();
  a = await startTestServer({}, { dir, broker: redisBrokerFromUrl(redis.url, 'instance-a', frameKey('cluster test key'), 'cluster-test') });
  b = await startTestServer({}, { dir, broker: redisBrokerFromUrl(redis.url, 'instance-b', frameKey('cluster test key'), 'cluster-test') });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.close();
});

describe('two instances on one Redis', () => {
  it("delivers each play answered by one instance to the player's socket and the monitor on the other, once", async () => {
    const [clientA, clientB] = [api(a.url), api(b.url)];
    const user = await clientA.signup();
    const admin = await clientB.loginAdmin();
    const onB = await openUserSocket(b.url, user.access_token);
    const { socket: monitorOnB } = await openMonitor(b.url, admin.access_token);
    const onA = await openUserSocket(a.url, user.access_token);
    try {
      const played: string[] = [];
      const playOn = async (client: typeof clientA) => {
        const play = await client.play(user.access_token, 'slot');
        expect(play.status).toBe(200);
        played.push(play.json.event_id);
      };
      const everywhere = async () => {
        for (const socket of [onA, onB]) await waitUntil(() => eventIds(socket).length >= played.length, 'every event on both instances');
        await waitUntil(() => monitorOnB.all('game_event').filter((m) => m.user_id === user.user.id).length >= played.length, 'every event on the monitor');
      };
      for (let i = 0; i < 10; i++) await playOn(i % 2 === 0 ? clientA : clientB);
      await everywhere();
      // Fences: each instance's later event travels behind any echo of its earlier ones.
      await playOn(clientB);
      await playOn(clientA);
      await everywhere();
      expect(eventIds(onA)).toEqual(played);
      expect(eventIds(onB)).toEqual(played);
      expect(monitorOnB.all('game_event').filter((m) => m.user_id === user.user.id).map((m) => m.event_id)).toEqual(played);
      expect([...onA.schemaViolations, ...onB.schemaViolations, ...monitorOnB.schemaViolations]).toEqual([]);
    } finally {
      for (const socket of [onA, onB, monitorOnB]) socket.close();
    }
  });
});
