/**
 * The ledger: every play is ONE transaction that takes the user's next fairness nonce (the
 * outcome is drawn from the committed seeds), checks the balance, debits the bet, credits the
 * payout, takes the user's next event sequence and stores the event row (and, with an
 * Idempotency-Key, the response). A play that fails leaves no trace. Plays that arrive
 * together share a transaction (group commit), each still all-or-nothing.
 *
 * An admin's adjustment of a balance is a transaction of the ledger too (`adjust`): the
 * balance moved within bounds, the audit row that records it and its Idempotency-Key, in the
 * same user lane as the user's plays, so what is published after the commits follows their
 * order.
 *
 * The ledger knows money, not HTTP or the wire: it returns typed outcomes and refusals
 * (outcomes.ts), and hands each settled play, in sequence order per user, and each adjustment
 * to the publisher it was given at construction (realtime/play-publisher.ts), which also
 * renders the texts stored with a play.
 *
 * What one transaction runs, and what it hands the publisher after its commit, is
 * transactions.ts; its statements go through a `LedgerStore` (ledger-store.ts).
 */
import type { Rng } from '../games/rng';
import { GroupCommit } from './group-commit';
import type { LedgerStore } from './ledger-store';
import { isAdjustment, keyOf, refused, type AdjustmentOutcome, type AdjustmentRequest, type Applied, type LedgerJob, type LedgerPublisher, type PlayOutcome, type PlayRequest } from './outcomes';
import { LedgerTransactions } from './transactions';

export type * from './outcomes';

/** What the ledger tells the outside of its commits (counted and logged by app's ledger part). */
export interface LedgerReport {
  /** Each committed transaction: how many plays it held and its seconds from BEGIN to COMMIT. */
  committed(plays: number, seconds: number): void;
  /** The publisher threw: the plays committed and are answered; what failed was handing them on. */
  releaseFailed(error: unknown): void;
}

export type LedgerOptions = {
  /** Where each commit is handed, in order; also renders a play's stored texts. */
  publisher: LedgerPublisher;
  /** Transactions in flight at once: 1 for SQLite (one writer), more for PostgreSQL. */
  concurrency?: number;
  report?: LedgerReport;
};

/** How long an Idempotency-Key's response is kept (at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Whose key a job claims: the player's for a play, the admin's for an adjustment. */
const keyOwner = (job: LedgerJob) => (isAdjustment(job) ? job.adminId : job.userId);

export class Ledger {
  /** Plays under way per "<user>\n<key>": a concurrent duplicate shares the first's outcome. */
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<PlayOutcome> }>();
  private readonly writer: GroupCommit<LedgerJob, Applied>;

  constructor(
    private readonly store: LedgerStore,
    /** Tests only: replaces the committed seeds' stream (such plays cannot be verified). */
    rng: Rng | undefined,
    options: LedgerOptions,
  ) {
    const { report } = options;
    this.writer = new GroupCommit(new LedgerTransactions(store, rng, options.publisher), {
      maxBatch: 256,
      concurrency: options.concurrency ?? 1,
      // One lock order for every batch, so concurrent batches on PostgreSQL cannot deadlock.
      order: (a, b) => a.userId - b.userId,
      // A user's plays never commit in two transactions at once: commit order is seq order.
      lane: (request) => request.userId,
      onCommit: report && ((plays, seconds) => report.committed(plays, seconds)),
      onReleaseError: report && ((error) => report.releaseFailed(error)),
    });
  }

  play(request: PlayRequest): Promise<PlayOutcome> {
    const { idempotency } = request;
    if (!idempotency) return this.transact(request);
    const flightKey = keyOf(request.userId, idempotency.key);
    const running = this.inFlight.get(flightKey);
    if (running) {
      // A different body under the same key is refused at once; the same body is the same
      // request, so it shares the first one's outcome (a refusal included).
      if (running.requestHash !== idempotency.requestHash) return Promise.resolve(refused('idempotency_key_reused'));
      return running.outcome.then((first) => (first.kind === 'settled' ? { kind: 'replayed', response: first.texts.response } : first));
    }
    const outcome = this.transact(request);
    this.inFlight.set(flightKey, { requestHash: idempotency.requestHash, outcome });
    const forget = () => this.inFlight.delete(flightKey);
    outcome.then(forget, forget);
    return outcome;
  }

  /**
   * Moves a player's balance by a signed amount in one transaction: never below zero
   * (`insufficient_funds`, nothing written), recorded in the audit log in the same
   * transaction, the admin's Idempotency-Key honoured as a play's.
   */
  async adjust(request: AdjustmentRequest): Promise<AdjustmentOutcome> {
    const applied = await this.writer.submit(request);
    if (applied.kind === 'key_taken') return (await this.storedOutcome(request)) as AdjustmentOutcome;
    return applied as AdjustmentOutcome;
  }

  /** Resolves once every play handed to the ledger has committed or failed. */
  settled(): Promise<void> {
    return this.writer.settled();
  }

  private async transact(request: PlayRequest): Promise<PlayOutcome> {
    const applied = await this.writer.submit(request);
    if (applied.kind === 'key_taken') return this.storedOutcome(request);
    return applied as PlayOutcome;
  }

  /** A job whose key was taken before it ran (an earlier request, or another instance's): that request's answer. */
  private async storedOutcome(job: LedgerJob): Promise<Extract<PlayOutcome, { kind: 'replayed' | 'refused' }>> {
    const stored = await this.store.findKey({ userId: keyOwner(job), key: job.idempotency!.key });
    if (!stored || stored.status === 0) return refused('idempotency_key_in_use');
    if (stored.requestHash !== job.idempotency!.requestHash) return refused('idempotency_key_reused');
    return { kind: 'replayed', response: stored.response };
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  purgeExpiredKeys(now = Date.now()): Promise<void> {
    return this.store.purgeKeys(now - IDEMPOTENCY_RETENTION_MS);
  }
}
