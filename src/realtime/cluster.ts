/**
 * What the instances share, chosen by the configuration in one place: nothing (the memory
 * broker, one instance) or Redis (REDIS_URL: the Redis broker for events, Redis presence with
 * per-instance leases, and a ping for /ready). Each instance has its own id, so it drops its
 * own echo and holds its own lease.
 */
import Redis from 'ioredis';
import type { Config } from '../config';
import { createBroker, type Broker } from './broker';
import type { Presence } from './presence/presence';
import { createRedisPresence } from './presence/redis';

export type Cluster = {
  broker: Broker;
  presence?: Presence;
  /** Answers while Redis does; undefined without Redis. */
  ping?: () => Promise<unknown>;
  close(): Promise<void>;
};

const MAX_RECONNECT_DELAY_MS = 500;

export function createCluster(config: Pick<Config, 'REDIS_URL'>, instanceId: string = crypto.randomUUID()): Cluster {
  const broker = createBroker(config, instanceId);
  if (!config.REDIS_URL) return { broker, close: async () => {} };
  // A plain connection (the broker's subscriber cannot run other commands); no offline queue,
  // so /ready and presence fail at once while Redis is away instead of waiting.
  const client = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: (attempt) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS) });
  client.on('error', () => {}); // reported through the broker's hooks and /ready
  return {
    broker,
    presence: createRedisPresence(client, { instanceId }),
    ping: () => client.ping(),
    async close() {
      client.disconnect();
    },
  };
}
