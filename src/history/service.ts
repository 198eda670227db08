/**
 * Pages of stored events, newest first, as the stored payloads: each event is sent exactly as
 * it was published, spliced in without parsing it again.
 */
import type { SQL } from 'bun';
import { badRequest } from '../errors';
import { pageLimit, positiveInteger } from '../http/query';
import { eventId, parseEventId } from '../realtime/events';
import { games } from '../games/catalogue';

export const DEFAULT_PAGE = 50;
/** The most a page may hold (`limit` up to it). */
export const MAX_PAGE = 100;
/** From the catalogue, so a game added there is filterable here without a second list. */
const GAME_TYPES: readonly string[] = games.map((game) => game.type);

type Row = { id: number | string; seq: number | string; payload: string };

/**
 * The first `limit` rows as JSON text, `{"events":[...],"next_before":...}`: one row more was
 * read to learn whether another page follows; `cursor` names the last row shown for it.
 */
function pageJson(rows: Row[], limit: number, cursor: (last: Row) => string | number): string {
  const page = rows.slice(0, limit);
  const nextBefore = rows.length > limit ? cursor(page.at(-1)!) : null;
  return `{"events":[${page.map((row) => row.payload).join(',')}],"next_before":${JSON.stringify(nextBefore)}}`;
}

export class HistoryService {
  constructor(private readonly sql: SQL) {}

  /** The caller's events older than `before` (an event_id of theirs), newest first. */
  async own(userId: number, query: { before?: string; limit?: string }): Promise<string> {
    const limit = pageLimit(query.limit, DEFAULT_PAGE, MAX_PAGE);
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const position = parseEventId(query.before);
      // Another user's id would page nothing useful and says whose ids exist: refuse it alike.
      if (!position || position.userId !== userId) throw badRequest('invalid_before', 'before must be an event_id from your own history');
      beforeSeq = position.seq;
    }
    const rows: Row[] = await this.sql`
      SELECT id, seq, payload FROM events WHERE user_id = ${userId} AND seq < ${beforeSeq}
      ORDER BY seq DESC LIMIT ${limit + 1}`;
    return pageJson(rows, limit, (last) => eventId(userId, Number(last.seq)));
  }

  /** Anyone's events, optionally one user's or one game's, older than row id `before`. */
  async all(query: { user_id?: string; game_type?: string; before?: string; limit?: string }): Promise<string> {
    const limit = pageLimit(query.limit, DEFAULT_PAGE, MAX_PAGE);
    const userId = query.user_id === undefined ? undefined : positiveInteger(query.user_id, 'invalid_user_id', 'user_id');
    const before = query.before === undefined ? Number.MAX_SAFE_INTEGER : positiveInteger(query.before, 'invalid_before', 'before');
    const gameType = query.game_type;
    if (gameType !== undefined && !GAME_TYPES.includes(gameType)) {
      throw badRequest('invalid_game_type', `game_type must be one of ${GAME_TYPES.join(', ')}`);
    }
    const sql = this.sql;
    const rows: Row[] = await sql`
      SELECT id, seq, payload FROM events WHERE id < ${before}
      ${userId === undefined ? sql`` : sql`AND user_id = ${userId}`}
      ${gameType === undefined ? sql`` : sql`AND game_type = ${gameType}`}
      ORDER BY id DESC LIMIT ${limit + 1}`;
    return pageJson(rows, limit, (last) => Number(last.id));
  }
}
