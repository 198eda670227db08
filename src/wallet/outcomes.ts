/**
 * What the ledger takes and answers: play and adjustment requests, what they settled, the
 * refusals, and where it hands each commit (`LedgerPublisher`, realtime/play-publisher.ts).
 * The ledger knows money, not HTTP or the wire.
 */
import type { Game, GameType } from '../games/game';

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

export type LedgerJob = PlayRequest | AdjustmentRequest;
export const isAdjustment = (job: LedgerJob): job is AdjustmentRequest => 'kind' in job && job.kind === 'adjustment';

/**
 * Where the ledger hands what it committed, given at construction: the realtime side's
 * publisher (realtime/play-publisher.ts). Called synchronously after each commit, per user in
 * commit order, so what is published keeps each user's `seq` order.
 */
export interface LedgerPublisher {
  /** Writes a settled play's texts (its event and its response); called inside its transaction. */
  render(play: SettledPlay): PlayTexts;
  /** Each committed play, right after its commit; per user in `seq` order. */
  played?(play: SettledPlay, texts: PlayTexts): void;
  /** Each committed adjustment, right after its commit, in commit order with the user's plays. */
  adjusted?(adjustment: SettledAdjustment): void;
}

/** What one job's statements decided, before its transaction commits. */
export type Applied =
  | Extract<PlayOutcome, { kind: 'settled' }>
  | Extract<PlayOutcome, { kind: 'refused' }>
  | Extract<AdjustmentOutcome, { kind: 'adjusted' }>
  | { kind: 'key_taken' };

export const refused = (refusal: Refusal) => ({ kind: 'refused', refusal }) as const;

/** One string per (user, Idempotency-Key), for the maps and sets that track keys. */
export const keyOf = (userId: number, key: string) => `${userId}\n${key}`;
