/**
 * What the instances share, chosen by the configuration in one place: nothing (the memory
 * broker, one instance) or Redis (REDIS_URL: the Redis broker for events, Redis presence with
 * per-instance leases, and a ping for /ready). Each instance has its own id, so it drops its
 * own echo and holds its own lease.
 */
import Redis from 'ioredis';
import type { Config } from '../config';
import type { Broker } from './broker';
import { frameKey } from './broker/frame';
import { MemoryBroker } from './broker/memory';
import { connectionOptions, ready, redisBrokerFromUrl } from './broker/redis';
import type { Presence, PresenceHooks } from './presence/presence';
import { createRedisPresence } from './presence/redis';
import { ClusterLimits } from '../limits/cluster-limits';
import { clusterSettings, joinCluster, renewCluster, SETTINGS_LEASE_MS } from './cluster-settings';

export type Cluster = {
  broker: Broker;
  presence?: Presence;
  /** Answers while Redis does; undefined without Redis. */
  ping?: () => Promise<unknown>;
  /**
   * Checks this instance's settings against the running cluster's and keeps the record alive
   * while it runs; throws `ClusterMismatchError` (cluster-settings.ts) naming what differs.
   */
  join?: () => Promise<void>;
  /** The limits kept in Redis for the whole cluster (limits/cluster-limits.ts). */
  limits?: ClusterLimits;
  /**
   * Whether other instances share these backends: a user's earlier event may then still be on
   * its way from another instance (the sequencer asks the database where a stream starts).
   */
  isShared: boolean;
  close(): Promise<void>;
};

/**
 * REDIS_URL set: the Redis broker, so instances share their events. (loadConfig already
 * refuses REDIS_URL beside a SQLite DATABASE_URL: instances cannot share an SQLite file.)
 */
export function createBroker(config: Pick<Config, 'REDIS_URL'> & Partial<Pick<Config, 'JWT_SECRET' | 'CLUSTER_KEY'>>, instanceId: string = crypto.randomUUID()): Broker {
  if (!config.REDIS_URL) return new MemoryBroker();
  // loadConfig insists on JWT_SECRET beside REDIS_URL, so every instance derives the same key.
  const secret = config.CLUSTER_KEY ?? config.JWT_SECRET;
  if (!secret) throw new Error('the Redis broker needs JWT_SECRET or CLUSTER_KEY to authenticate its frames');
  return redisBrokerFromUrl(config.REDIS_URL, instanceId, frameKey(secret));
}


export function createCluster(config: Config, instanceId: string = crypto.randomUUID()): Cluster {
  const broker = createBroker(config, instanceId);
  if (!config.REDIS_URL) return { broker, isShared: false, close: async () => {} };
  // A plain connection (the broker's subscriber cannot run other commands); no offline queue,
  // so /ready and presence fail at once while Redis is away instead of waiting.
  // Auto-pipelining: the limit checks of concurrent requests go out in one socket write.
  const client = new Redis(config.REDIS_URL, { ...connectionOptions, enableOfflineQueue: false, enableAutoPipelining: true });
  client.on('error', () => {}); // reported through the broker's hooks and /ready
  const settings = clusterSettings(config);
  const limits = new ClusterLimits(client, instanceId);
  let renewing: Timer | undefined;
  return {
    broker,
    presence: connectedFirst(client, createRedisPresence(client, { instanceId })),
    ping: () => client.ping(),
    limits,
    isShared: true,
    async join() {
      await ready(client);
      await joinCluster(client, settings);
      // Renewed well inside the lease; a renewal lost to a Redis outage is made up by the next.
      renewing = setInterval(() => renewCluster(client, settings).catch(() => {}), SETTINGS_LEASE_MS / 3);
      renewing.unref();
    },
    async close() {
      clearInterval(renewing);
      // This instance's sockets are all closed by now: they stop counting at once, not when its lease ends.
      await limits.forgetSockets().catch(() => {});
      client.disconnect();
    },
  };
}

/**
 * The presence client is lazy and has no offline queue, so its first command (the lease taken
 * in `start()`) would be refused at once: start() connects it first. An unreachable Redis then
 * fails start-up, as it does for the broker.
 */
function connectedFirst(client: Redis, presence: Presence): Presence {
  return {
    name: presence.name,
    add: (userId) => presence.add(userId),
    remove: (userId) => presence.remove(userId),
    connectedUserIds: () => presence.connectedUserIds(),
    retake: () => presence.retake(),
    async start(hooks?: PresenceHooks) {
      await ready(client);
      await presence.start(hooks);
    },
    stop: () => presence.stop(),
  };
}
