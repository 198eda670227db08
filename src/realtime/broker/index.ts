/** The broker seam and its backends (memory.ts, redis.ts); which one runs is chosen in ../backends.ts. */
export type { Broker } from './broker';
export { MemoryBroker } from './memory';
