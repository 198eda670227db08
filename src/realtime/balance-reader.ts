/**
 * The user's balance as the ledger holds it now, as the `balance_update` a socket gets once it
 * is live (after a resume's replay, or at a fresh connect): `balance_update`s are not stored,
 * so a resume cannot replay the ones a socket missed, and this one message says where the
 * balance stands instead.
 */
import type { SQL } from 'bun';
import { fromMinor } from '../money';
import { eventId, messages } from './events';
import type { GameType } from '../../client/protocol/games';

export type CurrentBalance = {
  /** The seq of the user's latest play: the balance includes it and every play before. */
  seq: number;
  /** The serialized `balance_update`. */
  message: string;
};

export class BalanceReader {
  constructor(private readonly sql: SQL) {}

  /**
   * The latest play's `balance_update` with the balance read now, in one statement (the
   * account row holds the balance and the seq of the play that set it, written together);
   * undefined for a user who has never played (no balance_update was ever sent).
   */
  async current(userId: number): Promise<CurrentBalance | undefined> {
    const [row] = await this.sql`
      SELECT u.balance, u.event_seq, e.game_type, e.bet, e.payout, e.created_at
      FROM users u JOIN events e ON e.user_id = u.id AND e.seq = u.event_seq
      WHERE u.id = ${userId}`;
    if (!row) return undefined;
    const seq = Number(row.event_seq);
    const message = messages.balanceUpdate({
      user_id: userId,
      balance: fromMinor(Number(row.balance)),
      delta: fromMinor(Number(row.payout) - Number(row.bet)),
      reason: row.game_type as GameType,
      event_id: eventId(userId, seq),
      ts: new Date(Number(row.created_at)).toISOString(),
    });
    return { seq, message };
  }
}
