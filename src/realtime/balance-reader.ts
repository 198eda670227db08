/**
 * The user's balance as the ledger holds it now, as the `balance_update` a socket gets once it
 * is live (after a resume's replay, or at a fresh connect): `balance_update`s are not stored,
 * so a resume cannot replay the ones a socket missed, and this one message says where the
 * balance stands instead.
 *
 * On a SQLite file the read is also offered synchronously, on the ledger's `bun:sqlite`
 * connection (a statement prepared once): a fresh socket then starts in one synchronous step,
 * with no promise, no `Bun.SQL` query and none of their garbage per socket (BENCHMARKS.md,
 * "Embedded: issue 18").
 */
import type { SQL } from 'bun';
import type { Database as SqliteConnection, Statement } from 'bun:sqlite';
import { fromMinor } from '../money';
import { eventId, messages } from './events';
import type { GameType } from '../../client/protocol/games';

export type CurrentBalance = {
  /** The seq of the user's latest play: the balance includes it and every play before. */
  seq: number;
  /** The serialized `balance_update`. */
  message: string;
};

type Row = { balance: number | string; event_seq: number | string; game_type: string; bet: number | string; payout: number | string; created_at: number | string };

const SELECT_SQLITE = `SELECT u.balance, u.event_seq, e.game_type, e.bet, e.payout, e.created_at
  FROM users u JOIN events e ON e.user_id = u.id AND e.seq = u.event_seq
  WHERE u.id = ?1`;

/** A read the synchronous path could not make (no SQLite file, or the connection refused it): take the asynchronous one. */
export const NOT_NOW = Symbol('not now');

export class BalanceReader {
  private readonly statement?: Statement<Row, [number]>;

  constructor(
    private readonly sql: SQL,
    sqlite?: SqliteConnection,
  ) {
    this.statement = sqlite?.query<Row, [number]>(SELECT_SQLITE);
  }

  /**
   * The latest play's `balance_update` with the balance read now, in one statement (the
   * account row holds the balance and the seq of the play that set it, written together);
   * undefined for a user who has never played (no balance_update was ever sent).
   */
  async current(userId: number): Promise<CurrentBalance | undefined> {
    const now = this.currentNow(userId);
    if (now !== NOT_NOW) return now;
    const [row] = await this.sql`
      SELECT u.balance, u.event_seq, e.game_type, e.bet, e.payout, e.created_at
      FROM users u JOIN events e ON e.user_id = u.id AND e.seq = u.event_seq
      WHERE u.id = ${userId}`;
    return row ? render(userId, row) : undefined;
  }

  /**
   * The same read, synchronously, where the database allows it (a SQLite file: a read on WAL
   * takes no lock a writer holds); NOT_NOW where it does not, or when the read failed (the
   * asynchronous read then tries, and says why).
   */
  currentNow(userId: number): CurrentBalance | undefined | typeof NOT_NOW {
    if (!this.statement) return NOT_NOW;
    let row: Row | null;
    try {
      row = this.statement.get(userId);
    } catch {
      return NOT_NOW;
    }
    return row ? render(userId, row) : undefined;
  }
}

function render(userId: number, row: Row): CurrentBalance {
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
