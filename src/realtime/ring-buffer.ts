/**
 * A bounded history with monotonic offsets: `push` returns the item's offset, the oldest items
 * fall off once `capacity` is reached.
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  /** Offset the next push will get; offsets start at 1. */
  private nextOffset = 1;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError('capacity must be a non-negative integer');
    this.items = new Array(capacity);
  }

  get size(): number {
    return Math.min(this.nextOffset - 1, this.capacity);
  }

  /** The offset of the newest item (0 when empty). */
  get lastOffset(): number {
    return this.nextOffset - 1;
  }

  push(item: T): number {
    const offset = this.nextOffset++;
    if (this.capacity > 0) this.items[offset % this.capacity] = item;
    return offset;
  }

  /** The newest `n` items (all by default), oldest first. */
  latest(n = this.capacity): T[] {
    const count = Math.min(n, this.size);
    const out: T[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = this.items[(this.nextOffset - count + i) % this.capacity] as T;
    return out;
  }

  /** Items after `offset`, oldest first; undefined when some of them already fell off. */
  since(offset: number): T[] | undefined {
    const missed = this.lastOffset - offset;
    if (missed < 0 || missed > this.size) return undefined;
    return this.latest(missed);
  }
}
