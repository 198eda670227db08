import { afterAll, beforeAll } from 'bun:test';
import { frameKey } from '../../src/realtime/broker/frame';
import { redisBrokerFromUrl } from '../../src/realtime/broker/redis';
import { startTestRedis, type TestRedis } from '../support/redis';
import { brokerContract } from './broker.contract';

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(() => redis?.close());

const running = () => {
  if (!redis) throw new Error('Redis starts in beforeAll');
  return redis;
};

let test = 0;
// The clients are made as createBroker makes them for a REDIS_URL.
brokerContract('redis', {
  maxInstances: 10,
  selective: true,
  make: (count) => {
    // A channel per test: a broker of an earlier test can never deliver into this one.
    const channel = `test-events-${++test}`;
    return Array.from({ length: count }, (_, i) => redisBrokerFromUrl(running().url, `instance-${test}-${i}`, frameKey('broker contract key'), channel));
  },
  outage: {
    begin: () => running().stop(),
    end: () => running().start(),
    publishWhileDown: 'rejects',
  },
});
