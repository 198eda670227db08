/**
 * The monitors' order (src/realtime/feed-order.ts): events in cursor order whatever order they
 * arrive in, a gap filled from the database after the hold, repeats dropped, an event the
 * database never heard of dropped instead of holding the feed, and the database's absence
 * waited out.
 */
import { describe, expect, it } from 'bun:test';
import type { StoredEvents } from '../../src/realtime/event-reader';
import { FeedOrder } from '../../src/realtime/feed-order';
import { waitUntil } from '../support/streams';

const HOLD = 20;
const event = (cursor: number) => `{"type":"game_event","cursor":"${cursor}"}`;
const cursorsOf = (messages: string[]) => messages.map((m) => Number(JSON.parse(m).cursor));

/** A database holding events 1..`upTo`; `reads` records each read's range. */
function store(upTo: number, options: { failures?: number } = {}) {
  const reads: [number, number][] = [];
  let failures = options.failures ?? 0;
  const missed: StoredEvents['byCursor'] = async (after, through) => {
    reads.push([after, through]);
    if (failures-- > 0) throw new Error('database away');
    const rows = [];
    for (let cursor = after + 1; cursor <= Math.min(through, upTo); cursor++) rows.push({ cursor, payload: event(cursor) });
    return rows;
  };
  return { missed, reads };
}

function feed(missed?: StoredEvents['byCursor'], start = 0) {
  const out: string[] = [];
  const errors: unknown[] = [];
  const order = new FeedOrder({ feedEvent: (message) => out.push(message) }, missed && { byCursor: missed }, { failed: (_step, error) => errors.push(error) }, HOLD);
  order.startAt(start);
  const accept = (...cursors: number[]) => cursors.forEach((cursor) => order.accept(cursor, event(cursor)));
  return { order, out, errors, accept };
}

describe('the monitors’ order', () => {
  it('passes events in cursor order whatever order they arrive in, each once, reading nothing when none is missing', async () => {
    const { missed, reads } = store(6);
    const { out, accept } = feed(missed);
    accept(2, 1, 1, 4, 3, 6, 2, 5);
    expect(cursorsOf(out)).toEqual([1, 2, 3, 4, 5, 6]);
    await Bun.sleep(HOLD * 3);
    expect(reads).toEqual([]);
  });

  it('reads a gap from the database once the hold is over, then goes on with what was held', async () => {
    const { missed, reads } = store(10);
    const { out, accept } = feed(missed, 2);
    accept(1, 2, 3, 6, 7);
    expect(cursorsOf(out)).toEqual([3]);
    await waitUntil(() => out.length === 5, 'the gap filled');
    expect(cursorsOf(out)).toEqual([3, 4, 5, 6, 7]);
    expect(reads).toEqual([[3, 6]]);
    accept(8);
    expect(cursorsOf(out).at(-1)).toBe(8);
  });

  it('drops an event the database has never heard of, and goes on', async () => {
    const { missed } = store(3);
    const { out, accept } = feed(missed);
    accept(1, 9);
    await Bun.sleep(HOLD * 4);
    expect(cursorsOf(out)).toEqual([1, 2, 3]);
    accept(4);
    expect(cursorsOf(out)).toEqual([1, 2, 3, 4]);
  });

  it('waits out the database being away, holding what came, and loses nothing', async () => {
    const { missed, reads } = store(5, { failures: 2 });
    const { out, errors, accept } = feed(missed);
    accept(1, 4, 5);
    await waitUntil(() => out.length === 5, 'the gap filled once the database answers', 2_000);
    expect(cursorsOf(out)).toEqual([1, 2, 3, 4, 5]);
    expect(errors).toHaveLength(2);
    expect(reads.length).toBe(3);
  });
});
