/**
 * The ledger: every play is ONE transaction that checks the balance, debits the bet, credits
 * the payout, takes the user's next event sequence and stores the event row (and, with an
 * Idempotency-Key, the response). A play that fails leaves no trace. Plays that arrive
 * together share a transaction (group commit), each still all-or-nothing.
 */
import type { SQL } from 'bun';
import type { Game } from '../games/game';
import type { Rng } from '../games/rng';
import { AppError } from '../http/errors';
import { eventId, messages } from '../realtime/events';
import { GroupCommit } from './group-commit';
import { fromMinor } from './money';

export type PlayRequest = {
  userId: number;
  game: Game;
  input: Record<string, unknown>;
  betMinor: number;
  idempotency?: { key: string; requestHash: string };
};

export type PlayOutcome = {
  /** The play response's JSON text (stored verbatim for idempotent replays). */
  response: string;
  /** True when this answers a repeated Idempotency-Key: nothing was charged or emitted. */
  replayed: boolean;
  /** For a new play: the serialized messages to publish. */
  published?: { userId: number; gameEvent: string; balanceUpdate: string };
};

const insufficientFunds = () => new AppError(402, 'insufficient_funds', 'the bet is more than the balance');
const keyReused = () => new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');

/** How long an Idempotency-Key's response is kept (API.md: at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What one play's statements decided, before its transaction commits. */
type Applied = PlayOutcome | AppError | { storedKey: true };

export class Ledger {
  /** Plays under way per "<user>\n<key>": concurrent duplicates wait for the first. */
  private readonly inFlight = new Map<string, Promise<PlayOutcome>>();
  private readonly writer: GroupCommit<PlayRequest, Applied>;

  constructor(private readonly sql: SQL, private readonly rng: Rng, options: { concurrency?: number } = {}) {
    this.writer = new GroupCommit(sql, (tx, request) => this.apply(tx, request), {
      maxBatch: 256,
      concurrency: options.concurrency ?? 1,
      // One lock order for every batch, so concurrent batches on PostgreSQL cannot deadlock.
      order: (a, b) => a.userId - b.userId,
    });
  }

  play(request: PlayRequest): Promise<PlayOutcome> {
    const { idempotency } = request;
    if (!idempotency) return this.transact(request);
    const flightKey = `${request.userId}\n${idempotency.key}`;
    const running = this.inFlight.get(flightKey);
    if (running) return running.then((first) => this.replay(first.response, idempotency.requestHash, request));
    const play = this.transact(request).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, play);
    return play;
  }

  /** Resolves once every play handed to the ledger has committed or failed. */
  settled(): Promise<void> {
    return this.writer.settled();
  }

  private replay(response: string, requestHash: string, request: PlayRequest): PlayOutcome {
    if (request.idempotency && requestHash !== request.idempotency.requestHash) throw keyReused();
    return { response, replayed: true };
  }

  private async transact(request: PlayRequest): Promise<PlayOutcome> {
    const applied = await this.writer.submit(request);
    if (applied instanceof AppError) throw applied;
    if ('storedKey' in applied) {
      // The key was taken before this play ran (an earlier request, or another instance's).
      const stored = await this.findStored(this.sql, request.userId, request.idempotency!.key);
      if (!stored || stored.status === 0) throw new AppError(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed');
      return this.replay(stored.response, stored.request_hash, request);
    }
    return applied;
  }

  /**
   * One play's statements inside a (possibly shared) transaction. Refusals are returned, never
   * thrown, so they cannot abort the other plays of the batch; a refused play writes nothing.
   */
  private async apply(tx: SQL, request: PlayRequest): Promise<Applied> {
    const { userId, game, input, betMinor, idempotency } = request;
    if (idempotency) {
      // Claim the key first: if it is taken, nothing else of this play runs. On PostgreSQL a
      // claim racing another instance's waits for it to commit, then finds the key taken.
      const [claimed] = await tx`
        INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
        VALUES (${userId}, ${idempotency.key}, ${idempotency.requestHash}, 0, '', ${Date.now()})
        ON CONFLICT (user_id, key) DO NOTHING
        RETURNING user_id`;
      if (!claimed) return { storedKey: true };
    }
    const { result, payoutMinor } = game.play(input, betMinor, this.rng);
    const [account] = await tx`
      UPDATE users SET balance = balance - ${betMinor} + ${payoutMinor}, event_seq = event_seq + 1
      WHERE id = ${userId} AND balance >= ${betMinor}
      RETURNING balance, event_seq`;
    if (!account) {
      if (idempotency) await tx`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${idempotency.key}`;
      return insufficientFunds();
    }

    const seq = Number(account.event_seq);
    const balance = fromMinor(Number(account.balance));
    const id = eventId(userId, seq);
    const ts = new Date().toISOString();
    const bet = fromMinor(betMinor);
    const fullResult = { ...result, payout: fromMinor(payoutMinor) };
    const gameEvent = messages.gameEvent({ event_id: id, game_type: game.type, user_id: userId, bet, result: fullResult, ts });
    await tx`
      INSERT INTO events (user_id, seq, game_type, bet, payout, payload, created_at)
      VALUES (${userId}, ${seq}, ${game.type}, ${betMinor}, ${payoutMinor}, ${gameEvent}, ${Date.now()})`;

    const response = JSON.stringify({ event_id: id, game_type: game.type, bet, result: fullResult, balance });
    if (idempotency) {
      await tx`UPDATE idempotency_keys SET status = 200, response = ${response} WHERE user_id = ${userId} AND key = ${idempotency.key}`;
    }
    const delta = fromMinor(payoutMinor - betMinor);
    const balanceUpdate = messages.balanceUpdate({ user_id: userId, balance, delta, reason: game.type, event_id: id, ts });
    return { response, replayed: false, published: { userId, gameEvent, balanceUpdate } };
  }

  private async findStored(sql: SQL, userId: number, key: string): Promise<{ status: number; response: string; request_hash: string } | undefined> {
    const [row] = await sql`SELECT status, response, request_hash FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
    return row ? { ...(row as { response: string; request_hash: string }), status: Number(row.status) } : undefined;
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  async purgeExpiredKeys(now = Date.now()): Promise<void> {
    await this.sql`DELETE FROM idempotency_keys WHERE created_at < ${now - IDEMPOTENCY_RETENTION_MS}`;
  }
}
