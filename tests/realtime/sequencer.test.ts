/**
 * The sequencer's first event of a user on an instance. With several instances, a user's
 * event from another instance can arrive after this instance's own later one (its own is
 * delivered at once); the first event seen must then wait while the start of the user's
 * stream here is read, so the earlier event is passed on first, not dropped as a repeat.
 */
import { describe, expect, it } from 'bun:test';
import type { StoredEvents } from '../../src/realtime/event-reader';
import { Sequencer } from '../../src/realtime/sequencer';

type MissedEvents = StoredEvents['between'];
/** The user's newest seq before their stream here starts (what `lastSeqBefore` answers). */
type DeliveredFrom = (userId: number, beforeSeq: number) => Promise<number>;
const START = 1_000;

/** The sequencer as the hub builds it: with `deliveredFrom`, as when other instances share the broker. */
function sequencerOf(emitted: string[], missed: MissedEvents, deliveredFrom?: DeliveredFrom, onFailed: (error: unknown) => void = () => {}, onUnknown: (reason: string) => void = () => {}) {
  const store = {
    between: missed,
    lastSeqBefore: async (userId: number, beforeSeq: number, before: number) => {
      expect(before).toBe(START);
      return deliveredFrom!(userId, beforeSeq);
    },
  };
  const report = { failed: (_step: string, error: unknown) => onFailed(error), dropped: onUnknown };
  return new Sequencer({ userEvent: (userId, message) => emitted.push(`${userId}:${message}`) }, store, report, deliveredFrom && { startOf: () => START });
}
import { waitUntil } from '../support/streams';

/** A user's stored events 1..n, payload "e<seq>"; records every read. */
function store(n: number) {
  const reads: string[] = [];
  const missed: MissedEvents = async (userId, afterSeq, beforeSeq) => {
    reads.push(`between ${userId} ${afterSeq} ${beforeSeq}`);
    return Array.from({ length: n }, (_, i) => i + 1)
      .filter((seq) => seq > afterSeq && seq < beforeSeq)
      .map((seq) => ({ seq, payload: `e${seq}` }));
  };
  return { reads, missed };
}

function sequencer(missed: MissedEvents, deliveredFrom?: DeliveredFrom) {
  const emitted: string[] = [];
  const errors: unknown[] = [];
  const it = sequencerOf(emitted, missed, deliveredFrom, (error) => errors.push(error));
  return { it, emitted, errors };
}

describe("a user's first event on an instance", () => {
  it('waits for an earlier event still on its way instead of dropping it later', async () => {
    const { reads, missed } = store(2);
    // This instance started before event 1 was committed: the user's stream here starts at 0.
    const { it: seq, emitted } = sequencer(missed, async () => 0);
    seq.accept(7, 2, 'e2'); // this instance's own, delivered at once
    seq.accept(7, 1, 'e1'); // the other instance's, a moment later
    await waitUntil(() => emitted.length === 2, 'both events');
    expect(emitted).toEqual(['7:e1', '7:e2']);
    expect(reads).toEqual(['between 7 0 2']);
    seq.accept(7, 3, 'e3');
    expect(emitted).toEqual(['7:e1', '7:e2', '7:e3']);
  });

  it('passes on only what was committed after the instance began delivering', async () => {
    const { missed } = store(5);
    const { it: seq, emitted } = sequencer(missed, async () => 3);
    seq.accept(7, 5, 'e5');
    await waitUntil(() => emitted.length === 2, 'events 4 and 5');
    expect(emitted).toEqual(['7:e4', '7:e5']);
  });

  it("passes a user's very first event at once, without reading anything", () => {
    const { reads, missed } = store(1);
    const { it: seq, emitted } = sequencer(missed, async () => {
      throw new Error('not asked for a first event ever');
    });
    seq.accept(7, 1, 'e1');
    expect(emitted).toEqual(['7:e1']);
    expect(reads).toEqual([]);
  });

  it('passes the first event seen at once when there is no one else to wait for (one instance)', () => {
    const { missed } = store(4);
    const { it: seq, emitted } = sequencer(missed);
    seq.accept(7, 4, 'e4');
    expect(emitted).toEqual(['7:e4']);
  });

  it('keeps trying while the database is away, holding the event meanwhile', async () => {
    const { missed } = store(2);
    let failures = 1;
    const { it: seq, emitted, errors } = sequencer(missed, async () => {
      if (failures-- > 0) throw new Error('database away');
      return 0;
    });
    seq.accept(7, 2, 'e2');
    expect(emitted).toEqual([]);
    await waitUntil(() => emitted.length === 2, 'both events once the database answers');
    expect(emitted).toEqual(['7:e1', '7:e2']);
    expect(errors).toHaveLength(1);
  });
});

describe('a user already seen on an instance', () => {
  it('drops a repeat, and fills a gap from the database before what skipped ahead, holding later arrivals meanwhile', async () => {
    const { reads, missed } = store(6);
    const { it: seq, emitted } = sequencer(missed, async () => {
      throw new Error('not asked once the user has been seen');
    });
    seq.accept(7, 1, 'e1');
    seq.accept(7, 1, 'e1'); // a repeat (e.g. read again after an outage)
    expect(emitted).toEqual(['7:e1']);
    seq.accept(7, 4, 'e4'); // 2 and 3 lost on the way
    seq.accept(7, 6, 'e6'); // arrives while the gap is read: held, and 5 is read in turn
    expect(seq.isFilling).toBe(true);
    await waitUntil(() => emitted.length === 6, 'events 2 to 6');
    expect(emitted).toEqual(['7:e1', '7:e2', '7:e3', '7:e4', '7:e5', '7:e6']);
    expect(reads).toEqual(['between 7 1 4', 'between 7 4 6']);
    expect(seq.isFilling).toBe(false);
  });
});

describe('an event the database has never heard of', () => {
  it('is dropped after one read of its gap, not waited for, and the real next event still passes', async () => {
    const { reads, missed } = store(1);
    const unknown: string[] = [];
    const emitted: string[] = [];
    const seq = sequencerOf(emitted, missed, undefined, () => {}, (reason) => unknown.push(reason));
    seq.accept(7, 1, 'e1');
    seq.accept(7, 1002, 'forged'); // far ahead: events 2..1001 do not exist
    await waitUntil(() => unknown.length === 1, 'the forged event dropped');
    await Bun.sleep(50); // a spinning gap fill would read again and again meanwhile
    expect(reads).toEqual(['between 7 1 1002']);
    expect(seq.isFilling).toBe(false);
    seq.accept(7, 2, 'e2');
    expect(emitted).toEqual(['7:e1', '7:e2']);
    expect(unknown).toEqual(['unknown_seq']);
  });

  it('drops only itself: a real event held behind it during the read is passed on', async () => {
    const { missed } = store(3);
    const emitted: string[] = [];
    const seq = sequencerOf(emitted, missed);
    seq.accept(7, 1, 'e1');
    seq.accept(7, 1002, 'forged');
    seq.accept(7, 2, 'e2'); // held while the gap below 1002 is read, which also brings e2 and e3
    await waitUntil(() => !seq.isFilling, 'the fill to end');
    expect(emitted).toEqual(['7:e1', '7:e2', '7:e3']);
  });
});
