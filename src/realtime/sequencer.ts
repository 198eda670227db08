/**
 * Per-user order on delivery. Events reach the hub in each user's `seq` order from this
 * instance, but from several instances (or across a broker outage) one can arrive early or
 * twice. The sequencer passes an event on only when it is the user's next one: a repeat is
 * dropped, and an event that skips ahead makes it read the missing ones from the database
 * first (holding later arrivals for that user meanwhile), so every socket sees every event
 * once, in order.
 */
import type { DeliveryReport } from './delivery-report';
import type { StoredEvents } from './event-reader';

/** The next stage: each user's events, in order (local-delivery.ts). */
export interface SequencedEvents {
  userEvent(userId: number, message: string): void;
}

/** Where each user's stream on this instance starts (epoch ms): events committed before are not owed here (interest.ts). */
export interface StreamStarts {
  startOf(userId: number): number;
}

type Filling = { held: Map<number, string> };

export class Sequencer {
  /** The last seq passed on, per user seen since start. */
  private readonly last = new Map<number, number>();
  private readonly filling = new Map<number, Filling>();

  constructor(
    private readonly next: SequencedEvents,
    /** Reads the events a gap missed; without it, what arrives is passed on as it comes. */
    private readonly store: Pick<StoredEvents, 'between' | 'lastSeqBefore'> | undefined,
    private readonly report: Pick<DeliveryReport, 'failed' | 'dropped'>,
    /**
     * Given when other instances share the broker: a user's first event here may not be their
     * first ever, and an earlier one may still be on its way from another instance (this
     * instance's own arrives at once), so where the user's stream here starts is read before
     * anything is passed on.
     */
    private readonly starts?: StreamStarts,
  ) {}

  accept(userId: number, seq: number, message: string): void {
    const filling = this.filling.get(userId);
    if (filling) {
      filling.held.set(seq, message);
      return;
    }
    const last = this.last.get(userId);
    // The user's first event here: passed on if it is their first ever (or there is no
    // database to ask); otherwise where their stream here starts is read first.
    const isNext = last === undefined ? seq === 1 || !this.waitsForOthers : seq === last + 1;
    if (isNext) {
      this.pass(userId, seq, message);
      return;
    }
    if (last !== undefined && seq <= last) return; // already passed on
    if (!this.store) {
      this.pass(userId, seq, message);
      return;
    }
    const state: Filling = { held: new Map([[seq, message]]) };
    this.filling.set(userId, state);
    this.fill(userId, state).catch((error) => {
      // Only handing the events on can throw here (the reads retry); the user's next event fills again.
      if (this.filling.get(userId) === state) this.filling.delete(userId);
      this.report.failed('gap_fill', error);
    });
  }

  /**
   * Forgets a user whose events this instance stopped taking: the next one seen starts their
   * stream afresh (a gap since then is not owed here). A gap being read for them is abandoned.
   */
  forget(userId: number): void {
    this.last.delete(userId);
    this.filling.delete(userId);
  }

  /** Forgets every user `isUnwanted` says. */
  forgetWhere(isUnwanted: (userId: number) => boolean): void {
    for (const userId of [...this.last.keys(), ...this.filling.keys()]) if (isUnwanted(userId)) this.forget(userId);
  }

  /** Whether any user's gap is being read: for tests and health. */
  get isFilling(): boolean {
    return this.filling.size > 0;
  }

  private get waitsForOthers(): boolean {
    return this.store !== undefined && this.starts !== undefined;
  }

  private pass(userId: number, seq: number, message: string): void {
    this.last.set(userId, seq);
    this.next.userEvent(userId, message);
  }

  private async fill(userId: number, state: Filling): Promise<void> {
    // Forgotten meanwhile (forget()): this read is no longer anyone's.
    const isAbandoned = () => this.filling.get(userId) !== state;
    for (let attempt = 0; ; attempt++) {
      const upTo = Math.min(...state.held.keys());
      try {
        if (!this.last.has(userId)) {
          const from = await this.store!.lastSeqBefore(userId, upTo, this.starts!.startOf(userId));
          if (isAbandoned()) return;
          this.last.set(userId, from);
        }
        const last = this.last.get(userId)!;
        const rows = await this.store!.between(userId, last, upTo);
        if (isAbandoned()) return;
        for (const row of rows) if (row.seq > this.last.get(userId)!) this.pass(userId, row.seq, row.payload);
        // A user's events commit in seq order, so an event's predecessors are in the database
        // before it is published. Still missing: this one was never committed (a forged or
        // corrupt frame). Dropped, not waited for: re-reading its gap would spin for ever.
        if (this.last.get(userId)! < upTo - 1) {
          state.held.delete(upTo);
          this.report.dropped('unknown_seq');
        }
        break;
      } catch (error) {
        this.report.failed('gap_fill', error);
        // The database is the only place the missing events are: keep trying, a little slower
        // each time, holding this user's later events meanwhile.
        await Bun.sleep(Math.min(5_000, 100 * 2 ** attempt));
        if (isAbandoned()) return;
      }
    }
    this.filling.delete(userId);
    // Release what was held, in seq order, through accept(): a new gap among them fills again.
    for (const seq of [...state.held.keys()].sort((a, b) => a - b)) this.accept(userId, seq, state.held.get(seq)!);
  }
}
