import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { createRedisPresence } from '../../src/realtime/presence/redis';
import { startTestRedis, type TestRedis } from '../support/redis';
import { waitUntil } from '../support/streams';
import { presenceContract } from './presence.contract';

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

let cluster = 0;
presenceContract('redis', {
  cluster() {
    if (!redis) throw new Error('Redis starts in beforeAll');
    // Keys of their own per test: nothing of an earlier test can be swept or counted here.
    const prefix = `presence-test-${++cluster}`;
    const clients: Redis[] = [];
    return {
      make: (options) => {
        const client = new Redis(redis!.url);
        clients.push(client);
        return createRedisPresence(client, { ...options, prefix });
      },
      close: async () => {
        await Promise.all(clients.map((client) => client.quit()));
      },
    };
  },
});

describe('cluster presence on redis, across a Redis restart (an empty Redis comes back)', () => {
  it('reports errors while Redis is down, then each instance puts its sockets back and reports them for their joins', async () => {
    const server = redis!;
    let now = 1_700_000_000_000;
    const beats: (() => Promise<void>)[] = [];
    const rejoined: number[][] = [];
    const errors: unknown[] = [];
    const clients = [0, 1].map(() => new Redis(server.url, { retryStrategy: () => 50, enableOfflineQueue: false }).on('error', () => {}));
    const [a, b] = clients.map((client, i) =>
      createRedisPresence(client, {
        prefix: 'presence-restart',
        instanceId: `instance-${i}`,
        now: () => now,
        every: (_ms, beat) => (beats.push(beat), () => {}),
      }),
    );
    try {
      await waitUntil(() => clients.every((client) => client.status === 'ready'), 'the clients to connect');
      for (const presence of [a!, b!]) await presence.start({ onRejoin: (users) => rejoined.push(users), onError: (error) => errors.push(error) });
      await a!.add(1);
      await b!.add(2);
      await a!.add(3);
      await b!.add(3);

      await server.stop();
      now += 3_000;
      for (const beat of beats) await beat();
      expect(errors.length).toBe(2);
      // The socket is open all the same: counted here, it goes back with the others.
      await expect(a!.add(4)).rejects.toThrow();

      await server.start();
      await waitUntil(() => clients.every((client) => client.status === 'ready'), 'the clients to reconnect');
      expect(await a!.connectedUserIds()).toEqual([]);
      now += 3_000;
      for (const beat of beats) await beat();
      expect(rejoined.flat().sort()).toEqual([1, 2, 3, 4]);
      expect((await a!.connectedUserIds()).sort()).toEqual([1, 2, 3, 4]);
      expect(await b!.remove(3)).toBe(false);
      expect(await a!.remove(3)).toBe(true);
    } finally {
      await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
    }
  });
});

describe('cluster presence on redis, across a lost connection (Redis keeps its data)', () => {
  it('takes out the sockets closed and puts in those opened while it could not tell Redis, and reports both', async () => {
    const joined: number[][] = [];
    const left: number[][] = [];
    const client = new Redis(redis!.url, { retryStrategy: () => 50, enableOfflineQueue: false }).on('error', () => {});
    const other = new Redis(redis!.url);
    const [a, b] = [client, other].map((connection, i) => createRedisPresence(connection, { prefix: 'presence-cut', instanceId: `instance-${i}`, every: () => () => {} }));
    try {
      await waitUntil(() => client.status === 'ready', 'the client to connect');
      await a!.start({ onRejoin: (users) => joined.push(users), onLeave: (users) => left.push(users) });
      await b!.start();
      for (const userId of [1, 2, 2, 3]) await a!.add(userId);
      await b!.add(3);

      // The connection is cut (ioredis reconnects by itself); Redis itself keeps everything.
      const back = new Promise((resolve) => client.once('ready', resolve));
      client.disconnect(true);
      await expect(a!.remove(1)).rejects.toThrow(); // the user's only socket
      await expect(a!.remove(2)).rejects.toThrow(); // one of two
      await expect(a!.remove(3)).rejects.toThrow(); // b still has one
      await expect(a!.add(4)).rejects.toThrow();
      expect((await b!.connectedUserIds()).sort()).toEqual([1, 2, 3]);

      await back;
      await a!.retake();
      expect(left).toEqual([[1]]);
      expect(joined).toEqual([[4]]);
      expect((await b!.connectedUserIds()).sort()).toEqual([2, 3, 4]);
      // The counts are right again: the last sockets are seen as the last.
      expect(await a!.remove(2)).toBe(true);
      expect(await b!.remove(3)).toBe(true);
      expect(await a!.remove(4)).toBe(true);
    } finally {
      await a!.stop().catch(() => {});
      await b!.stop().catch(() => {});
      for (const connection of [client, other]) await connection.quit().catch(() => connection.disconnect());
    }
  });
});
