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
 * The ledger knows money, not HTTP or the wire: it returns typed outcomes and refusals, and
 * hands each settled play, in sequence order per user, to `onSettled` (each adjustment to
 * `onAdjusted`). The texts stored with a play (its event and its response) come from the
 * injected `render`.
 *
 * Its statements go through a `LedgerStore` (ledger-store.ts). The logic below is written once,
 * as generators in which each statement is a `yield*`: the Bun.SQL store awaits them, the
 * bun:sqlite store runs the whole transaction synchronously.
 */
import { freshSeeds } from '../fairness/hmac-rng';
import { fairOutcome } from '../fairness/outcome';
import type { PlaySeed } from '../fairness/store';
import type { Game, GameType } from '../games/game';
import type { Rng } from '../games/rng';
import { GroupCommit } from './group-commit';
import type { AccountWrite, EventRow, KeyRow, LedgerStatements, LedgerStore, Step, UserKey } from './ledger-store';

export type PlayRequest = {
  userId: number;
  game: Game;
  input: Record<string, unknown>;
  betMinor: number;
  idempotency?: { key: string; requestHash: string };
};

/** A play the ledger committed, in the ledger's terms (minor units, no wire format). */
export type SettledPlay = {
  userId: number;
  /** The user's event sequence: 1, 2, 3, … with no gap. */
  seq: number;
  gameType: GameType;
  betMinor: number;
  payoutMinor: number;
  /** The balance right after this play. */
  balanceMinor: number;
  /** What the game decided, as the game reports it (without the payout). */
  result: Record<string, unknown>;
  at: Date;
  /**
   * The event's place in the order every instance delivers events in (its row id): taken in
   * the transaction, in commit order (ledger-store.ts `takePositions`).
   */
  position: number;
};

/** The texts stored with a play: the event as published, the response as answered (and replayed). */
export type PlayTexts = { event: string; response: string };

export type Refusal = 'insufficient_funds' | 'account_blocked' | 'idempotency_key_reused' | 'idempotency_key_in_use';

export type PlayOutcome =
  | { kind: 'settled'; play: SettledPlay; texts: PlayTexts }
  /** A repeated Idempotency-Key: the first response again; nothing charged or emitted. */
  | { kind: 'replayed'; response: string }
  | { kind: 'refused'; refusal: Refusal };

/** An admin moving a player's balance by a signed amount, with a reason for the audit log. */
export type AdjustmentRequest = {
  kind: 'adjustment';
  /** The player whose balance moves. */
  userId: number;
  adminId: number;
  amountMinor: number;
  reason: string;
  /** The admin's key: the same key from the same admin answers the first response again. */
  idempotency?: { key: string; requestHash: string };
  /** The response to answer (and store with the key), written in the transaction from what it settled. */
  respond: (adjustment: SettledAdjustment) => string;
};

/** An adjustment the ledger committed. */
export type SettledAdjustment = {
  userId: number;
  adminId: number;
  amountMinor: number;
  /** The balance right after it. */
  balanceMinor: number;
  /** Its row in the audit log. */
  auditId: number;
  reason: string;
  at: Date;
};

export type AdjustmentOutcome =
  | { kind: 'adjusted'; adjustment: SettledAdjustment; response: string }
  /** A repeated Idempotency-Key: the first response again; nothing moved. */
  | { kind: 'replayed'; response: string }
  | { kind: 'refused'; refusal: Exclude<Refusal, 'account_blocked'> };

type LedgerJob = PlayRequest | AdjustmentRequest;
const isAdjustment = (job: LedgerJob): job is AdjustmentRequest => 'kind' in job && job.kind === 'adjustment';

export type LedgerOptions = {
  /** Writes a settled play's texts; called inside its transaction. */
  render: (play: SettledPlay) => PlayTexts;
  /** Each committed play, right after its commit; per user in `seq` order. */
  onSettled?: (play: SettledPlay, texts: PlayTexts) => void;
  /** Each committed adjustment, right after its commit, in commit order with the user's plays. */
  onAdjusted?: (adjustment: SettledAdjustment) => void;
  /** Transactions in flight at once: 1 for SQLite (one writer), more for PostgreSQL. */
  concurrency?: number;
  /** Each committed transaction: how many plays it held and its seconds from BEGIN to COMMIT. */
  onCommit?: (plays: number, seconds: number) => void;
  /** `onSettled` threw: the plays committed and are answered; what failed was handing them on. */
  onReleaseError?: (error: unknown) => void;
};

/** How long an Idempotency-Key's response is kept (at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What one job's statements decided, before its transaction commits. */
type Applied =
  | Extract<PlayOutcome, { kind: 'settled' }>
  | Extract<PlayOutcome, { kind: 'refused' }>
  | Extract<AdjustmentOutcome, { kind: 'adjusted' }>
  | { kind: 'key_taken' };

/** An account as a batch reads it and then moves it along, play by play. */
type Account = AccountWrite;

const refused = (refusal: Refusal) => ({ kind: 'refused', refusal }) as const;

/** One string per (user, Idempotency-Key), for the maps and sets that track keys. */
const keyOf = (userId: number, key: string) => `${userId}\n${key}`;

/** A request's key as `keyOf` spells it, if it has one. */
const requestKey = ({ userId, idempotency }: PlayRequest) => idempotency && keyOf(userId, idempotency.key);

/** Whose key a job claims: the player's for a play, the admin's for an adjustment. */
const keyOwner = (job: LedgerJob) => (isAdjustment(job) ? job.adminId : job.userId);

export class Ledger {
  /** Plays under way per "<user>\n<key>": a concurrent duplicate shares the first's outcome. */
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<PlayOutcome> }>();
  private readonly writer: GroupCommit<LedgerJob, Applied>;

  constructor(
    private readonly store: LedgerStore,
    /** Tests only: replaces the committed seeds' stream (such plays cannot be verified). */
    private readonly rng: Rng | undefined,
    private readonly options: LedgerOptions,
  ) {
    this.writer = new GroupCommit((requests) => store.transaction((tx) => this.apply(tx, requests)), {
      maxBatch: 256,
      concurrency: options.concurrency ?? 1,
      // One lock order for every batch, so concurrent batches on PostgreSQL cannot deadlock.
      order: (a, b) => a.userId - b.userId,
      // A user's plays never commit in two transactions at once: commit order is seq order.
      lane: (request) => request.userId,
      committed: (requests, results) => this.release(results),
      onCommit: options.onCommit,
      onReleaseError: options.onReleaseError,
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

  private release(results: readonly Applied[]): void {
    const { onSettled, onAdjusted } = this.options;
    for (const applied of results) {
      if (applied.kind === 'settled') onSettled?.(applied.play, applied.texts);
      else if (applied.kind === 'adjusted') onAdjusted?.(applied.adjustment);
    }
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

  /** Builds everything a settled play writes from its drawn outcome. */
  private settle(request: PlayRequest, payout: { result: Record<string, unknown>; payoutMinor: number }, balanceMinor: number, seq: number, at: Date, position: number) {
    const play: SettledPlay = {
      userId: request.userId,
      seq,
      gameType: request.game.type,
      betMinor: request.betMinor,
      payoutMinor: payout.payoutMinor,
      balanceMinor,
      result: payout.result,
      at,
      position,
    };
    const texts = this.options.render(play);
    const eventRow: EventRow = { id: position, user_id: play.userId, seq, game_type: play.gameType, bet: play.betMinor, payout: play.payoutMinor, payload: texts.event, created_at: at.getTime() };
    return { eventRow, applied: { kind: 'settled', play, texts } as const };
  }

  /**
   * One transaction's work: a lone play takes the single-play path, plays together the batch
   * path. With an adjustment among them (rare), each job runs on its own path in turn, in this
   * one transaction, so each sees what the ones before it wrote.
   */
  private *apply(tx: LedgerStatements, jobs: LedgerJob[]): Step<Applied[]> {
    const plays = jobs.filter((job): job is PlayRequest => !isAdjustment(job));
    if (plays.length === jobs.length) return plays.length === 1 ? [yield* this.applyOne(tx, plays[0]!)] : yield* this.applyBatch(tx, plays);
    const results: Applied[] = [];
    for (const job of jobs) results.push(isAdjustment(job) ? yield* this.applyAdjustment(tx, job) : yield* this.applyOne(tx, job));
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

  /**
   * A play alone: the balance check is the debit's own condition, so it holds whatever else
   * runs. Refusals are returned, never thrown; a refused play writes nothing.
   */
  private *applyOne(tx: LedgerStatements, request: PlayRequest): Step<Applied> {
    const { userId, game, input, betMinor, idempotency } = request;
    const key = idempotency && { userId, key: idempotency.key };
    // Claim the key first: if it is taken, nothing else of this play runs.
    if (key && !(yield* tx.claimKey({ ...key, requestHash: idempotency!.requestHash, at: Date.now() }))) return { kind: 'key_taken' };
    // Seeds before accounts, the lock order of every transaction.
    const nonces = yield* tx.takeNonces(new Map([[userId, 1]]));
    const drawn = fairOutcome(game, input, betMinor, nonces.next(userId), this.rng);
    const account = yield* tx.debit(userId, betMinor, drawn.payoutMinor);
    if (!account) {
      if (key) yield* tx.dropKey(key);
      yield* tx.giveBack(nonces.release(userId));
      // Refused, so read why (off the path of a play that settles).
      const [found] = yield* tx.readAccounts([userId]);
      return refused(found?.blocked ? 'account_blocked' : 'insufficient_funds');
    }
    // The event's position last, right before its row: the lock it takes on PostgreSQL is held to the commit.
    const position = yield* tx.takePositions(1);
    const { eventRow, applied } = this.settle(request, drawn, account.balance, account.seq, new Date(), position);
    yield* tx.insertEvents([eventRow]);
    if (key) yield* tx.completeKey({ ...key, response: applied.texts.response });
    return applied;
  }

  /**
   * Many plays with a fixed number of steps: read the accounts once, with their seeds and nonces
   * (locked on PostgreSQL), settle each play in order against the running balances and nonces,
   * then write every account (balance, sequence and nonce in one row), every event and every key.
   * A refused play or a repeated key takes no nonce, so the nonces written have no gap. The
   * account write is guarded by each account's sequence as read: if anything moved one
   * meanwhile, the batch throws and each play is retried alone by `applyOne`.
   */
  private *applyBatch(tx: LedgerStatements, requests: PlayRequest[]): Step<Applied[]> {
    const keys = new Map<string, UserKey>();
    for (const { userId, idempotency } of requests) if (idempotency) keys.set(keyOf(userId, idempotency.key), { userId, key: idempotency.key });
    const taken = new Set((yield* tx.takenKeys([...keys.values()])).map(({ userId, key }) => keyOf(userId, key)));
    const accounts = new Map<number, Account & { seed: PlaySeed }>();
    const now = new Date();
    for (const row of yield* tx.readAccounts([...new Set(requests.map((r) => r.userId))])) {
      // No seeds committed yet (the user's first play): fresh ones, written with the account.
      const fresh = row.seed ? undefined : freshSeeds(1)[0]!;
      const seed = row.seed ?? { ...fresh!, nonce: 0 };
      const newSeed = fresh && { ...fresh, createdAt: now.getTime() };
      accounts.set(row.id, { id: row.id, balance: row.balance, seq: row.seq, blocked: row.blocked, readSeq: row.seq, nonce: seed.nonce, seed, newSeed });
    }
    const results: (Applied | undefined)[] = [];
    /** Plays that settle, in batch order: rendered once their events' positions are taken. */
    const settling: { at: number; request: PlayRequest; drawn: ReturnType<typeof fairOutcome>; balance: number; seq: number }[] = [];
    const keysInBatch = new Set<string>();
    for (const request of requests) {
      const { userId, betMinor } = request;
      const flightKey = requestKey(request);
      if (flightKey && (taken.has(flightKey) || keysInBatch.has(flightKey))) {
        results.push({ kind: 'key_taken' });
        continue;
      }
      const account = accounts.get(userId);
      if (!account || account.blocked || account.balance < betMinor) {
        results.push(refused(account?.blocked ? 'account_blocked' : 'insufficient_funds'));
        continue;
      }
      const drawn = fairOutcome(request.game, request.input, betMinor, { ...account.seed, nonce: account.nonce }, this.rng);
      account.nonce += 1;
      account.balance += drawn.payoutMinor - betMinor;
      account.seq += 1;
      if (flightKey) keysInBatch.add(flightKey);
      settling.push({ at: results.length, request, drawn, balance: account.balance, seq: account.seq });
      results.push(undefined);
    }
    // An account none of whose plays settled took no nonce: it is not written (nor its fresh seeds).
    const moved: AccountWrite[] = [...accounts.values()].filter((account) => account.seq !== account.readSeq).map(({ seed: _, ...write }) => write);
    if ((yield* tx.writeAccounts(moved)) !== moved.length) throw new Error('an account changed while its batch was settled; retrying the plays one by one');
    // Positions last, right before the rows: the lock they take on PostgreSQL is held to the
    // commit, as briefly as can be. In batch order, so each user's ascend with their seq.
    const first = settling.length > 0 ? yield* tx.takePositions(settling.length) : 0;
    // The events' time is taken with their positions, not at the batch's start: a batch that
    // waited for the event_order lock is stamped after the one it waited for (times follow cursors).
    const stamped = new Date();
    const eventRows: EventRow[] = [];
    const keyRows: KeyRow[] = [];
    for (const [i, { at, request, drawn, balance, seq }] of settling.entries()) {
      const { eventRow, applied } = this.settle(request, drawn, balance, seq, stamped, first + i);
      eventRows.push(eventRow);
      const { idempotency } = request;
      if (idempotency) keyRows.push({ user_id: request.userId, key: idempotency.key, request_hash: idempotency.requestHash, status: 200, response: applied.texts.response, created_at: now.getTime() });
      results[at] = applied;
    }
    yield* tx.insertEvents(eventRows);
    yield* tx.insertKeys(keyRows);
    return results.map((result) => result!);
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  purgeExpiredKeys(now = Date.now()): Promise<void> {
    return this.store.purgeKeys(now - IDEMPOTENCY_RETENTION_MS);
  }
}
