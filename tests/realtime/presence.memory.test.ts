import { createMemoryPresence, MemoryPresenceStore } from '../../src/realtime/presence/memory';
import { presenceContract } from './presence.contract';

presenceContract('memory', {
  cluster() {
    const store = new MemoryPresenceStore();
    return { make: (options) => createMemoryPresence(options, store), close: async () => {} };
  },
});
