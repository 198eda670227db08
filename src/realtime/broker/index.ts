/** Picks the broker backend from the configuration, in one place. */
import type { Config } from '../../config';
import type { Broker } from './broker';
import { MemoryBroker } from './memory';
import { frameKey } from './frame';
import { redisBrokerFromUrl } from './redis';

export type { Broker } from './broker';

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
