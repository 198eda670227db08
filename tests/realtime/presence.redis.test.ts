import { afterAll, beforeAll } from 'bun:test';
import Redis from 'ioredis';
import { createRedisPresence } from '../../src/realtime/presence/redis';
import { startTestRedis, type TestRedis } from '../support/redis';
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
