/**
 * The admins' audit log as the back office reads it (`GET /api/admin/audit`, and a player's
 * newest entries in their profile): newest first, paged by entry id. The rows are written by
 * the actions themselves, each in its own transaction (storage/audit.ts); nothing here writes.
 */
import type { SQL } from 'bun';
import { pageLimit, positiveInteger } from '../http/query';
import { fromMinor } from '../money';
import type { AuditEntry, AuditPage } from '../../client/protocol/admin';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 100;

type Row = { id: unknown; at: unknown; admin_id: unknown; action: AuditEntry['action']; user_id: unknown; amount: unknown; reason: string };

function entryOf(row: Row): AuditEntry {
  const entry: AuditEntry = {
    id: Number(row.id),
    at: new Date(Number(row.at)).toISOString(),
    admin_id: Number(row.admin_id),
    action: row.action,
    user_id: Number(row.user_id),
    reason: row.reason,
  };
  if (row.amount !== null && row.amount !== undefined) entry.amount = fromMinor(Number(row.amount));
  return entry;
}

export class AuditLog {
  constructor(private readonly sql: SQL) {}

  /** `?limit=&before=&user_id=`: entries older than `before` (an entry id), newest first. */
  async page(query: Record<string, unknown>): Promise<AuditPage> {
    const limit = pageLimit(query.limit, DEFAULT_PAGE, MAX_PAGE);
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : positiveInteger(query.before, 'invalid_before', 'before');
    const userId = query.user_id === undefined ? undefined : positiveInteger(query.user_id, 'invalid_user_id', 'user_id');
    const rows = await this.rows(limit + 1, before, userId);
    const entries = rows.slice(0, limit);
    return { entries, next_before: rows.length > limit ? entries.at(-1)!.id : null };
  }

  /** The newest `limit` actions on a player. */
  ofUser(userId: number, limit: number): Promise<AuditEntry[]> {
    return this.rows(limit, Number.MAX_SAFE_INTEGER, userId);
  }

  private async rows(limit: number, before: number, userId: number | undefined): Promise<AuditEntry[]> {
    const sql = this.sql;
    const rows = await sql`
      SELECT id, at, admin_id, action, user_id, amount, reason FROM admin_audit
      WHERE id < ${before} ${userId === undefined ? sql`` : sql`AND user_id = ${userId}`}
      ORDER BY id DESC LIMIT ${limit}`;
    return rows.map(entryOf);
  }
}
