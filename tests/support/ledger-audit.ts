/**
 * Reads a server's SQLite file directly, as an auditor would: the ledger identity (balance =
 * initial − Σ bets + Σ payouts over the events table) and gap-free per-user sequences.
 */
import { Database } from 'bun:sqlite';

export type Audit = {
  users: number;
  events: number;
  /** Every stored event id, "<user id>-<seq>". */
  eventIds: Set<string>;
  /** One line per user whose balance or sequence does not add up; empty when all do. */
  problems: string[];
};

export function auditLedger(file: string, initialBalanceMinor: number): Audit {
  const db = new Database(file, { readonly: true });
  try {
    const users = db
      .query(`SELECT u.id, u.balance, u.event_seq,
                COALESCE(SUM(e.bet), 0) AS bets, COALESCE(SUM(e.payout), 0) AS payouts,
                COUNT(e.id) AS events, COALESCE(MAX(e.seq), 0) AS max_seq
              FROM users u LEFT JOIN events e ON e.user_id = u.id GROUP BY u.id`)
      .all() as { id: number; balance: number; event_seq: number; bets: number; payouts: number; events: number; max_seq: number }[];
    const problems: string[] = [];
    for (const user of users) {
      const expected = initialBalanceMinor - user.bets + user.payouts;
      if (user.balance !== expected) problems.push(`user ${user.id}: balance ${user.balance} but initial − bets + payouts = ${expected}`);
      const isGapFree = user.events === user.max_seq && user.max_seq === user.event_seq;
      if (!isGapFree) problems.push(`user ${user.id}: ${user.events} events, max seq ${user.max_seq}, event_seq ${user.event_seq}`);
    }
    const ids = db.query('SELECT user_id, seq FROM events').all() as { user_id: number; seq: number }[];
    return {
      users: users.length,
      events: ids.length,
      eventIds: new Set(ids.map((row) => `${row.user_id}-${row.seq}`)),
      problems,
    };
  } finally {
    db.close();
  }
}
