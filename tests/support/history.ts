/** A store that holds no events: tests give the hub this, with the reads they care about replaced. */
import type { StoredEvents } from '../../src/realtime/event-reader';

export const noHistory: StoredEvents = {
  between: async () => [],
  lastSeqBefore: async () => 0,
  createdSince: async () => [],
  byCursor: async () => [],
  latestCursor: async () => 0,
  recent: async () => [],
};
