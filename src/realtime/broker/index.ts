/** Picks the broker backend from the configuration, in one place. */
import { ConfigError, type Config } from '../../config';
import type { Broker } from './broker';
import { MemoryBroker } from './memory';

export type { Broker } from './broker';

export function createBroker(config: Pick<Config, 'REDIS_URL'>): Broker {
  const backend = config.REDIS_URL ? 'redis' : 'memory';
  switch (backend) {
    case 'memory':
      return new MemoryBroker();
    case 'redis':
      // Starting without it would leave each instance with its own events while the operator
      // believes they are shared: refuse instead, until the Redis backend lands.
      throw new ConfigError('REDIS_URL is set, but this version has only the in-memory broker; unset REDIS_URL and run one instance');
    default:
      throw new ConfigError(`no broker backend ${String(backend satisfies never)}`);
  }
}
