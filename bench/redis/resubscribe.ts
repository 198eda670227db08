/**
 * How Bun's RedisClient and ioredis come back after Redis dies and restarts on the same port
 * (an empty server): when the client says the connection is lost, how long until a subscriber
 * receives again, how many times it then receives each message, and what a publish does while
 * Redis is down. Run: `bun bench/redis/resubscribe.ts [outage ms,…]` (default 200,5000,60000).
 * The numbers chose the client of src/realtime/broker/redis.ts (see the comment there).
 */
import { RedisClient } from 'bun';
import Redis, { type RedisOptions } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../tests/support/redis';

type Client = { publish(m: string): Promise<unknown>; close(): void };
type Subscriber = { received: Map<string, number>; lostAt?: number; close(): void };
type Variant = { name: string; subscribe(url: string): Promise<Subscriber>; publisher(url: string): Promise<Client> };

const CHANNEL = 'bench';

async function bunPublisher(url: string): Promise<Client> {
  const client = new RedisClient(url, { enableOfflineQueue: false });
  await client.connect();
  return { publish: (m) => client.publish(CHANNEL, m), close: () => client.close() };
}

async function ioPublisher(url: string, options: RedisOptions = {}): Promise<Client> {
  const client = new Redis(url, { ...options, enableOfflineQueue: false, lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  return { publish: (m) => client.publish(CHANNEL, m), close: () => client.disconnect() };
}

/** A Bun subscriber; `again` is what it does in onconnect after a reconnect. */
function bunVariant(name: string, again?: (client: RedisClient, listener: (m: string) => void) => void): Variant {
  return {
    name,
    publisher: bunPublisher,
    async subscribe(url) {
      const client = new RedisClient(url);
      const subscriber: Subscriber = { received: new Map(), close: () => client.close() };
      const listener = (m: string) => subscriber.received.set(m, (subscriber.received.get(m) ?? 0) + 1);
      await client.subscribe(CHANNEL, listener);
      client.onclose = () => (subscriber.lostAt ??= performance.now());
      if (again) client.onconnect = () => again(client, listener);
      return subscriber;
    },
  };
}

function ioVariant(name: string, options: RedisOptions = {}): Variant {
  return {
    name,
    publisher: (url) => ioPublisher(url, options),
    async subscribe(url) {
      const client = new Redis(url, options);
      client.on('error', () => {});
      const subscriber: Subscriber = { received: new Map(), close: () => client.disconnect() };
      client.on('message', (_channel: string, m: string) => subscriber.received.set(m, (subscriber.received.get(m) ?? 0) + 1));
      client.on('close', () => (subscriber.lostAt ??= performance.now()));
      await client.subscribe(CHANNEL);
      return subscriber;
    },
  };
}

const variants: Variant[] = [
  bunVariant('Bun RedisClient, subscribe once'),
  bunVariant('Bun RedisClient, subscribe again in onconnect', (client, listener) => void client.subscribe(CHANNEL, listener)),
  bunVariant('Bun RedisClient, unsubscribe all then subscribe in onconnect', (client, listener) => void client.unsubscribe().then(() => client.subscribe(CHANNEL, listener))),
  ioVariant('ioredis 6.0.0, default retryStrategy'),
  ioVariant('ioredis 6.0.0, retry every 100 ms', { retryStrategy: () => 100 }),
];

async function measure(redis: TestRedis, variant: Variant, outageMs: number) {
  const subscriber = await variant.subscribe(redis.url);
  const publisher = await variant.publisher(redis.url);
  await publisher.publish('before');
  await Bun.sleep(50);
  await redis.stop();
  const downAt = performance.now();
  const whileDown = await publisher.publish('while-down').then(
    () => 'resolved',
    (error: Error) => `rejected after ${(performance.now() - downAt).toFixed(0)} ms (${error.message.slice(0, 60)})`,
  );
  await Bun.sleep(Math.max(0, outageMs - (performance.now() - downAt)));
  const lostSignal = subscriber.lostAt === undefined ? 'not during the outage' : `${(subscriber.lostAt - downAt).toFixed(0)} ms after the kill`;
  await redis.start();
  const upAt = performance.now();
  let firstAt: number | undefined;
  for (let i = 0; i < 500 && firstAt === undefined; i++) {
    await publisher.publish(`after-${i}`).catch(() => {});
    await Bun.sleep(10);
    if ([...subscriber.received.keys()].some((key) => key.startsWith('after-'))) firstAt = performance.now();
  }
  for (let i = 0; i < 20; i++) await publisher.publish(`steady-${i}`).catch(() => {});
  await Bun.sleep(100);
  const steady = [...subscriber.received].filter(([key]) => key.startsWith('steady-')).map(([, n]) => n);
  subscriber.close();
  publisher.close();
  return {
    variant: variant.name,
    outageMs,
    lossSignalled: lostSignal,
    publishWhileDown: whileDown,
    receivingAgainAfterMs: firstAt === undefined ? 'never (5 s)' : Math.round(firstAt - upAt),
    steadyMessages: `${steady.length}/20 received, each ${[...new Set(steady)].join('/') || '-'} time(s)`,
  };
}

const redis = await startTestRedis();
try {
  const outages = (process.argv[2] ?? '200,5000,60000').split(',').map(Number);
  for (const outageMs of outages) for (const variant of variants) console.log(JSON.stringify(await measure(redis, variant, outageMs)));
} finally {
  await redis.close();
}
