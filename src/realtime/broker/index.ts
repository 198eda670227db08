/** Picks the broker backend from the configuration, in one place. */
import type { Config } from '../../config';
import type { Broker } from './broker';
import { MemoryBroker } from './memory';
import { redisBrokerFromUrl } from './redis';

export type { Broker } from './broker';

/**
 * REDIS_URL set: the Redis broker, so instances share their events. (loadConfig already
 * refuses REDIS_URL beside a SQLite DATABASE_URL: instances cannot share an SQLite file.)
 */
export function createBroker(config: Pick<Config, 'REDIS_URL'>, instanceId: string = crypto.randomUUID()): Broker {
  return config.REDIS_URL ? redisBrokerFromUrl(config.REDIS_URL, instanceId) : new MemoryBroker();
}
