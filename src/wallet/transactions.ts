/**
 * What one transaction of the ledger runs, and what follows its commit: the jobs group commit
 * put together (group-commit.ts) run through the store in one transaction, then each settled
 * play and adjustment goes to the publisher the ledger was given, synchronously and in batch
 * order. The logic is written once, as generators in which each statement is a `yield*` (a
 * play's in play-transaction.ts): the Bun.SQL store awaits them, the bun:sqlite store runs the
 * whole transaction synchronously.
 */
import type { Rng } from '../games/rng';
import type { Batches } from './group-commit';
import type { LedgerStatements, LedgerStore, Step } from './ledger-store';
import { isAdjustment, refused, type AdjustmentRequest, type Applied, type LedgerJob, type LedgerPublisher, type PlayRequest, type SettledAdjustment } from './outcomes';
import { PlayTransaction } from './play-transaction';

export class LedgerTransactions implements Batches<LedgerJob, Applied> {
  private readonly plays: PlayTransaction;

  constructor(
    private readonly store: LedgerStore,
    rng: Rng | undefined,
    private readonly publisher: LedgerPublisher,
  ) {
    this.plays = new PlayTransaction(rng, publisher);
  }

  run(jobs: LedgerJob[]): Promise<Applied[]> {
    return this.store.transaction((tx) => this.apply(tx, jobs));
  }

  /** Right after a commit, synchronously: each settled play and adjustment to the publisher, in batch order. */
  committed(_jobs: readonly LedgerJob[], results: readonly Applied[]): void {
    for (const applied of results) {
      if (applied.kind === 'settled') this.publisher.played?.(applied.play, applied.texts);
      else if (applied.kind === 'adjusted') this.publisher.adjusted?.(applied.adjustment);
    }
  }

  /**
   * One transaction's work: a lone play takes the single-play path, plays together the batch
   * path. With an adjustment among them (rare), each job runs on its own path in turn, in this
   * one transaction, so each sees what the ones before it wrote.
   */
  private *apply(tx: LedgerStatements, jobs: LedgerJob[]): Step<Applied[]> {
    const plays = jobs.filter((job): job is PlayRequest => !isAdjustment(job));
    if (plays.length === jobs.length) return plays.length === 1 ? [yield* this.plays.one(tx, plays[0]!)] : yield* this.plays.batch(tx, plays);
    const results: Applied[] = [];
    for (const job of jobs) results.push(isAdjustment(job) ? yield* this.applyAdjustment(tx, job) : yield* this.plays.one(tx, job));
    return results;
  }

  /** An adjustment: its key, the bounded balance change, its audit row, its stored response. */
  private *applyAdjustment(tx: LedgerStatements, request: AdjustmentRequest): Step<Applied> {
    const { userId, adminId, amountMinor, reason, idempotency } = request;
    const key = idempotency && { userId: adminId, key: idempotency.key };
    if (key && !(yield* tx.claimKey({ ...key, requestHash: idempotency!.requestHash, at: Date.now() }))) return { kind: 'key_taken' };
    const balanceMinor = yield* tx.adjust(userId, amountMinor);
    if (balanceMinor === undefined) {
      if (key) yield* tx.dropKey(key);
      return refused('insufficient_funds');
    }
    const at = new Date();
    const auditId = yield* tx.insertAudit({ at: at.getTime(), admin_id: adminId, action: 'adjust', user_id: userId, amount: amountMinor, reason });
    const adjustment: SettledAdjustment = { userId, adminId, amountMinor, balanceMinor, auditId, reason, at };
    const response = request.respond(adjustment);
    if (key) yield* tx.completeKey({ ...key, response });
    return { kind: 'adjusted', adjustment, response };
  }
}
