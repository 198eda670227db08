/**
 * Players as the back office finds them: the accounts behind user ids (so a monitor can name
 * the players in a stream that carries only ids), by username prefix, and one player's
 * profile (balance, status, totals from the ledger, newest events).
 */
import type { SQL } from 'bun';
import { badRequest, notFound } from '../errors';
import { pageLimit, positiveInteger } from '../http/query';
import { games } from '../games/catalogue';
import { fromMinor } from '../money';
import { AuditLog } from './audit';
import type { AdminUser, Profile } from '../../client/protocol/admin';
import { addSums, NO_PLAYS, sumsOf, totalsOf, type Sums } from './stats';

/** At most this many ids a request: one `IN (…)` of bounded size, whatever the client sends. */
const MAX_IDS = 100;
const IDS = new RegExp(`^[0-9]{1,15}(,[0-9]{1,15}){0,${MAX_IDS - 1}}$`);
const PREFIX = /^[A-Za-z0-9_]{1,32}$/;
const DEFAULT_MATCHES = 20;
const MAX_MATCHES = 100;
const RECENT_EVENTS = 20;

type Row = { id: unknown; username: string; role: AdminUser['role']; balance: unknown; status: AdminUser['status'] };

/** PostgreSQL returns BIGINT as a string, SQLite as a number. */
const adminUser = (row: Row): AdminUser => ({ id: Number(row.id), username: row.username, role: row.role, balance: fromMinor(Number(row.balance)), status: row.status });

/** A user id from a path, or a 400 `invalid_user_id`. */
export const parseUserId = (raw: unknown) => positiveInteger(raw, 'invalid_user_id', 'the user id');

export class Players {
  private readonly audit: AuditLog;

  constructor(private readonly sql: SQL) {
    this.audit = new AuditLog(sql);
  }

  /** `?ids=1,2,3` (the accounts behind ids, unknown ones absent) or `?q=<prefix>` (names starting with it), by id / by name. */
  async find(query: Record<string, unknown>): Promise<AdminUser[]> {
    const { ids, q } = query;
    // Read first: every bad parameter is named as itself, whatever else is missing.
    const limit = pageLimit(query.limit, DEFAULT_MATCHES, MAX_MATCHES);
    if (ids !== undefined && q !== undefined) throw badRequest('invalid_query', 'ask for ?ids=1,2,3 or ?q=<username prefix>, not both');
    if (q === undefined) {
      if (typeof ids !== 'string' || !IDS.test(ids)) throw badRequest('invalid_ids', `ids: 1 to ${MAX_IDS} comma-separated user ids, e.g. ?ids=1,2,3`);
      return this.byIds([...new Set(ids.split(',').map(Number))]);
    }
    if (typeof q !== 'string' || !PREFIX.test(q)) throw badRequest('invalid_q', 'q: a username prefix of 1 to 32 of A-Z a-z 0-9 _');
    return this.byPrefix(q, limit);
  }

  async byIds(ids: readonly number[]): Promise<AdminUser[]> {
    const rows = await this.sql`SELECT id, username, role, balance, status FROM users WHERE id IN ${this.sql(ids)} ORDER BY id`;
    return rows.map(adminUser);
  }

  /** Names are stored lower-cased for uniqueness (username_key); `_` is escaped, LIKE would take it for any character. */
  private async byPrefix(prefix: string, limit: number): Promise<AdminUser[]> {
    const pattern = `${prefix.toLowerCase().replaceAll('_', '\\_')}%`;
    const rows = await this.sql`
      SELECT id, username, role, balance, status FROM users WHERE username_key LIKE ${pattern} ESCAPE '\\'
      ORDER BY username_key LIMIT ${limit}`;
    return rows.map(adminUser);
  }

  /** One player: the account, their totals of all time per game, their newest events and the newest actions on them. */
  async profile(userId: number): Promise<Profile> {
    const sql = this.sql;
    const [row] = await sql`SELECT id, username, role, balance, status, created_at FROM users WHERE id = ${userId}`;
    if (!row) throw notFound('user_not_found', 'no user has that id');
    const [sums, recent, audit] = await Promise.all([
      sql`SELECT game_type, COUNT(*) AS plays, COALESCE(SUM(bet), 0) AS bet, COALESCE(SUM(payout), 0) AS payout FROM events WHERE user_id = ${userId} GROUP BY game_type`,
      sql`SELECT payload FROM events WHERE user_id = ${userId} ORDER BY seq DESC LIMIT ${RECENT_EVENTS}`,
      this.audit.ofUser(userId, RECENT_EVENTS),
    ]);
    const byGame = new Map<string, Sums>(sums.map((sum: { game_type: string; plays: unknown; bet: unknown; payout: unknown }) => [sum.game_type, sumsOf(sum)]));
    const all = [...byGame.values()].reduce(addSums, NO_PLAYS);
    return {
      user: { ...adminUser(row), created_at: new Date(Number(row.created_at)).toISOString() },
      totals: { games: Object.fromEntries(games.map((game) => [game.type, totalsOf(byGame.get(game.type) ?? NO_PLAYS)])), all: totalsOf(all) },
      recent_events: recent.map((event: { payload: string }) => JSON.parse(event.payload)),
      audit,
    };
  }
}

