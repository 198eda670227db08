/**
 * Reads a server's database directly, as an auditor would: the ledger identity (balance =
 * initial − Σ bets + Σ payouts over the events table + Σ admins' adjustments in the audit log)
 * and gap-free per-user sequences.
 */
import type { SQL } from 'bun';

export type Audit = {
  users: number;
  events: number;
  /** Every stored event id, "<user id>-<seq>". */
  eventIds: Set<string>;
  /** One line per user whose balance or sequence does not add up; empty when all do. */
  problems: string[];
};

export async function auditLedger(sql: SQL, initialBalanceMinor: number): Promise<Audit> {
  // PostgreSQL returns BIGINT sums and counts as strings: every number goes through Number().
  const rows = await sql`SELECT u.id, u.balance, u.event_seq,
                COALESCE(SUM(e.bet), 0) AS bets, COALESCE(SUM(e.payout), 0) AS payouts,
                COUNT(e.id) AS events, COALESCE(MAX(e.seq), 0) AS max_seq,
                (SELECT COALESCE(SUM(a.amount), 0) FROM admin_audit a WHERE a.user_id = u.id AND a.action = 'adjust') AS adjusted
              FROM users u LEFT JOIN events e ON e.user_id = u.id GROUP BY u.id, u.balance, u.event_seq`;
  const problems: string[] = [];
  for (const row of rows) {
    const [id, balance, eventSeq, bets, payouts, events, maxSeq, adjusted] = [row.id, row.balance, row.event_seq, row.bets, row.payouts, row.events, row.max_seq, row.adjusted].map(Number) as number[];
    const expected = initialBalanceMinor - bets! + payouts! + adjusted!;
    if (balance !== expected) problems.push(`user ${id}: balance ${balance} but initial − bets + payouts + adjustments = ${expected}`);
    const isGapFree = events === maxSeq && maxSeq === eventSeq;
    if (!isGapFree) problems.push(`user ${id}: ${events} events, max seq ${maxSeq}, event_seq ${eventSeq}`);
  }
  const ids = await sql`SELECT user_id, seq FROM events`;
  return {
    users: rows.length,
    events: ids.length,
    eventIds: new Set(ids.map((row: { user_id: unknown; seq: unknown }) => `${Number(row.user_id)}-${Number(row.seq)}`)),
    problems,
  };
}
