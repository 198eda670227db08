/**
 * The admins' audit log (table `admin_audit`, migration 7): one row per back-office action,
 * inserted in the same transaction as the action it records, so an action that did not
 * commit left no row and one that did has its row. Append-only: triggers refuse UPDATE and
 * DELETE, and no route writes it but by acting.
 */
import type { SQL } from 'bun';

export type AuditAction = 'adjust' | 'block' | 'unblock' | 'disconnect';

export type AuditRow = {
  /** Epoch ms. */
  at: number;
  admin_id: number;
  action: AuditAction;
  user_id: number;
  /** Signed minor units (adjust only). */
  amount: number | null;
  reason: string;
};

/** The insert, for a backend that prepares its statements (`bun:sqlite`); returns the row's id. */
export const INSERT_AUDIT = 'INSERT INTO admin_audit (at, admin_id, action, user_id, amount, reason) VALUES (?, ?, ?, ?, ?, ?) RETURNING id';

/** Inserts a row through `sql` (a transaction's, so it commits with the action); its id. */
export async function insertAudit(sql: SQL, row: AuditRow): Promise<number> {
  const [inserted] = await sql`INSERT INTO admin_audit ${sql(row)} RETURNING id`;
  return Number(inserted.id);
}
