/**
 * The monitors' order: every user's game_events in cursor order, the events' row ids, which
 * are taken in commit order (migration 8) and so are the same order on every instance. An
 * instance receives events in other orders (its own at once, the others' over the broker, and
 * after an outage from the database), so an event that skips ahead is held until those before
 * it arrive; any still missing after HOLD_MS are read from the database, where they are:
 * committed ids form a prefix with no gap. A repeat is dropped; an event the database has
 * never heard of (it was never committed) is dropped instead of holding the feed for ever.
 * (Events without a cursor, stored before cursors or from an older version, reach the monitors
 * in their user's order instead: local-delivery.ts.)
 *
 * This is the per-user sequencer's rule (sequencer.ts) over one global sequence.
 */
import type { DeliveryReport } from './delivery-report';
import type { StoredEvents } from './event-reader';

/** The next stage: every user's events in the feed's order (local-delivery.ts). */
export interface OrderedFeed {
  feedEvent(message: string): void;
}

/** How long an event that skipped ahead waits for the ones before it before they are read. */
export const HOLD_MS = 200;
/** Past this many held (the database away for long), the feed moves on over the gap. */
const MAX_HELD = 10_000;
/** Most events one read of a gap brings. */
const MAX_READ = 50_000;

export class FeedOrder {
  private last: number | undefined;
  private readonly held = new Map<number, string>();
  private timer: Timer | undefined;
  private isFilling = false;
  /** Bumped by restart(): a read begun before it hands on nothing. */
  private generation = 0;

  constructor(
    private readonly next: OrderedFeed,
    /** Reads the events of a gap; without it, a gap is waited out for HOLD_MS, then skipped. */
    private readonly store: Pick<StoredEvents, 'byCursor'> | undefined,
    private readonly report: Pick<DeliveryReport, 'failed'>,
    private readonly holdMs = HOLD_MS,
  ) {}

  /** The cursor of the newest event passed on (undefined before the first, without a start). */
  get position(): number | undefined {
    return this.last;
  }

  /** Where the feed starts: events at or before `cursor` were committed before, and are not owed. */
  startAt(cursor: number): void {
    if (this.last === undefined || cursor > this.last) this.last = cursor;
    this.release();
  }

  /** A game_event and its cursor (`cursorOf`). */
  accept(cursor: number, message: string): void {
    if (this.last === undefined) this.last = cursor - 1;
    if (cursor <= this.last || this.held.has(cursor)) return;
    if (cursor === this.last + 1 && !this.isFilling) {
      this.pass(cursor, message);
      this.release();
      return;
    }
    this.held.set(cursor, message);
    if (this.held.size >= MAX_HELD) this.fillNow();
    else this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Forgets where the feed was (this instance stopped taking every user's events: its last
   * monitor left): the next start begins afresh instead of reading the gap since. A read under
   * way is abandoned.
   */
  restart(): void {
    this.stop();
    this.generation++;
    this.last = undefined;
    this.held.clear();
    this.isFilling = false;
  }

  private pass(cursor: number, message: string): void {
    this.last = cursor;
    this.next.feedEvent(message);
  }

  /** Passes on the held events that are next, in order; drops those already passed. */
  private release(): void {
    for (const cursor of this.held.keys()) if (cursor <= this.last!) this.held.delete(cursor);
    for (let next = this.last! + 1; this.held.has(next); next = this.last! + 1) {
      const message = this.held.get(next)!;
      this.held.delete(next);
      this.pass(next, message);
    }
    if (this.held.size === 0) this.stop();
  }

  private schedule(): void {
    if (this.timer || this.isFilling) return;
    this.timer = setTimeout(() => this.fillNow(), this.holdMs);
    this.timer.unref?.();
  }

  private fillNow(): void {
    this.stop();
    if (this.isFilling || this.held.size === 0) return;
    this.isFilling = true;
    const generation = this.generation;
    this.fill(generation)
      .catch((error) => this.report.failed('feed', error))
      .finally(() => {
        if (generation !== this.generation) return;
        this.isFilling = false;
        this.release();
        if (this.held.size > 0) this.schedule();
      })
      .catch((error) => this.report.failed('feed', error)); // handing the released events on threw
  }

  /** Reads what is missing up to the oldest held event, retrying with back-off while the database is away. */
  private async fill(generation: number): Promise<void> {
    const upTo = Math.min(...this.held.keys());
    for (let attempt = 0; ; attempt++) {
      try {
        const rows = this.store ? await this.store.byCursor(this.last!, upTo, MAX_READ) : [];
        if (generation !== this.generation) return;
        for (const row of rows) if (row.cursor > this.last! && row.cursor < upTo) this.pass(row.cursor, row.payload);
        const isKnown = !this.store || rows.some((row) => row.cursor === upTo);
        if (isKnown) this.last = Math.max(this.last!, upTo - 1); // the held event is next now
        else this.held.delete(upTo); // never committed: dropped, the feed goes on
        return;
      } catch (error) {
        this.report.failed('feed', error);
        // Too much held while the database is away: move on over the gap, in order.
        if (this.held.size >= MAX_HELD) {
          this.last = Math.max(this.last!, upTo - 1);
          return;
        }
        await Bun.sleep(Math.min(5_000, 100 * 2 ** attempt));
        if (generation !== this.generation) return;
      }
    }
  }
}
