/**
 * The ring buffer of recent game_events sent in `monitor_snapshot`: the newest `capacity`,
 * oldest first, in one canonical order: the cursor (the events' commit order, the monitors'
 * order on every instance), or for events without one time, then user, then sequence.
 * Instances receive events from each other in different interleavings; kept in this order,
 * every instance holds the same recent events once the same events have reached it.
 */
import { cursorOf, gameEventHead } from './events';

type Entry = { key: string; message: string };

const TS_FIELD = '"ts":"';

/** Sortable: the cursor zero-padded, or the ISO time (fixed width), then user and sequence zero-padded. */
function orderKey(message: string): string | undefined {
  const cursor = cursorOf(message);
  if (cursor !== undefined) return `#${String(cursor).padStart(16, '0')}`;
  const head = gameEventHead(message);
  const at = message.lastIndexOf(TS_FIELD);
  if (!head || at === -1) return undefined;
  const ts = message.slice(at + TS_FIELD.length, at + TS_FIELD.length + 24);
  return `${ts}|${String(head.userId).padStart(16, '0')}|${String(head.seq).padStart(16, '0')}`;
}

export class RecentEvents {
  private readonly entries: Entry[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be a non-negative integer');
  }

  get size(): number {
    return this.entries.length;
  }

  /** Adds a serialized game_event in its place; the oldest fall off past the capacity. */
  push(message: string): void {
    const key = orderKey(message);
    if (key === undefined || this.capacity === 0) return;
    const { entries } = this;
    const isFull = entries.length >= this.capacity;
    if (isFull && key <= entries[0]!.key) return; // older than everything kept
    // Events mostly arrive in order: the end is the usual place.
    let at = entries.length;
    if (at > 0 && key < entries[at - 1]!.key) at = this.placeOf(key);
    if (entries[at]?.key === key || entries[at - 1]?.key === key) return; // already here
    entries.splice(at, 0, { key, message });
    if (entries.length > this.capacity) entries.shift();
  }

  /** Every kept event, oldest first. */
  latest(): string[] {
    return this.entries.map((entry) => entry.message);
  }

  private placeOf(key: string): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.key < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
