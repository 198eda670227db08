/**
 * The ledger: every play is ONE transaction that checks the balance, debits the bet, credits
 * the payout, takes the user's next event sequence and stores the event row (and, with an
 * Idempotency-Key, the response). A play that fails leaves no trace.
 */
import type { SQL } from 'bun';
import type { Game } from '../games/game';
import type { Rng } from '../games/rng';
import { AppError } from '../http/errors';
import { eventId, messages } from '../realtime/events';
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

export class Ledger {
  /** Plays under way per "<user>\n<key>": concurrent duplicates wait for the first. */
  private readonly inFlight = new Map<string, Promise<PlayOutcome>>();

  constructor(private readonly sql: SQL, private readonly rng: Rng) {}

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

  private replay(response: string, requestHash: string, request: PlayRequest): PlayOutcome {
    if (request.idempotency && requestHash !== request.idempotency.requestHash) throw keyReused();
    return { response, replayed: true };
  }

  private async transact(request: PlayRequest): Promise<PlayOutcome> {
    const { userId, game, input, betMinor, idempotency } = request;
    try {
      return await this.sql.begin(async (tx) => {
        if (idempotency) {
          const stored = await this.findStored(tx, userId, idempotency.key);
          if (stored) return this.replay(stored.response, stored.request_hash, request);
        }
        const { result, payoutMinor } = game.play(input, betMinor, this.rng);
        const [account] = await tx`
          UPDATE users SET balance = balance - ${betMinor} + ${payoutMinor}, event_seq = event_seq + 1
          WHERE id = ${userId} AND balance >= ${betMinor}
          RETURNING balance, event_seq`;
        if (!account) throw insufficientFunds();

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
          await tx`
            INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
            VALUES (${userId}, ${idempotency.key}, ${idempotency.requestHash}, 200, ${response}, ${Date.now()})`;
        }
        const delta = fromMinor(payoutMinor - betMinor);
        const balanceUpdate = messages.balanceUpdate({ user_id: userId, balance, delta, reason: game.type, event_id: id, ts });
        return { response, replayed: false, published: { userId, gameEvent, balanceUpdate } };
      });
    } catch (error) {
      // Another instance may have committed the same key between our check and our insert
      // (the primary key refused ours): answer with what it stored.
      if (idempotency && !(error instanceof AppError)) {
        const stored = await this.findStored(this.sql, userId, idempotency.key);
        if (stored) return this.replay(stored.response, stored.request_hash, request);
      }
      throw error;
    }
  }

  private async findStored(sql: SQL, userId: number, key: string): Promise<{ response: string; request_hash: string } | undefined> {
    const [row] = await sql`SELECT response, request_hash FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
    return row as { response: string; request_hash: string } | undefined;
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  async purgeExpiredKeys(now = Date.now()): Promise<void> {
    await this.sql`DELETE FROM idempotency_keys WHERE created_at < ${now - IDEMPOTENCY_RETENTION_MS}`;
  }
}
