/** Reads the stored events back: for resuming a stream and for refilling the recent events. */
import type { SQL } from 'bun';
import { games } from '../games/catalogue';
import { withCursor } from './events';

/**
 * Every game: a read by time names them all, so it walks each game's range of the
 * (game_type, created_at, …) index, the one index by time the events have (migration 5).
 */
const GAME_TYPES: string[] = games.map((game) => game.type);

/**
 * What delivery reads back from the store, as one object (the hub is given it whole): gaps in
 * a user's order or the feed's, what an outage or a subscription being taken missed, where
 * the feed starts, the recent events.
 */
export type StoredEvents = Pick<EventHistory, 'between' | 'lastSeqBefore' | 'createdSince' | 'byCursor' | 'latestCursor' | 'recent'>;

export class EventHistory {
  constructor(private readonly sql: SQL) {}

  /** A user's events after `seq`, oldest first, at most `limit`, as published (serialized). */
  async since(userId: number, seq: number, limit: number): Promise<{ seq: number; payload: string }[]> {
    const rows = await this.sql`
      SELECT seq, payload FROM events WHERE user_id = ${userId} AND seq > ${seq} ORDER BY seq LIMIT ${limit}`;
    return rows.map((row: { seq: number | string; payload: string }) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  /** A user's events with `afterSeq < seq < beforeSeq`, oldest first: what a gap in delivery missed. */
  async between(userId: number, afterSeq: number, beforeSeq: number): Promise<{ seq: number; payload: string }[]> {
    const rows = await this.sql`
      SELECT seq, payload FROM events WHERE user_id = ${userId} AND seq > ${afterSeq} AND seq < ${beforeSeq} ORDER BY seq`;
    return rows.map((row: { seq: number | string; payload: string }) => ({ seq: Number(row.seq), payload: row.payload }));
  }

  /** Every user's events committed at or after `since` (epoch ms), in commit order: what an outage may have missed. */
  async createdSince(since: number, limit: number): Promise<{ userId: number; seq: number; payload: string }[]> {
    const sql = this.sql;
    const rows = await sql`SELECT id, user_id, seq, payload FROM events WHERE game_type IN ${sql(GAME_TYPES)} AND created_at >= ${since} ORDER BY id LIMIT ${limit}`;
    return rows.map((row: { id: unknown; user_id: number | string; seq: number | string; payload: string }) => ({ userId: Number(row.user_id), seq: Number(row.seq), payload: withCursor(row.payload, Number(row.id)) }));
  }

  /** Everyone's events with `afterCursor < cursor <= throughCursor`, in cursor order, at most `limit`: a monitor's resume, the feed's gap. */
  async byCursor(afterCursor: number, throughCursor: number, limit: number): Promise<{ cursor: number; payload: string }[]> {
    const rows = await this.sql`SELECT id, payload FROM events WHERE id > ${afterCursor} AND id <= ${throughCursor} ORDER BY id LIMIT ${limit}`;
    return rows.map((row: { id: unknown; payload: string }) => ({ cursor: Number(row.id), payload: withCursor(row.payload, Number(row.id)) }));
  }

  /** The newest cursor committed (0 before the first event). */
  async latestCursor(): Promise<number> {
    const [row] = await this.sql`SELECT MAX(id) AS id FROM events`;
    return Number(row?.id ?? 0);
  }

  /** The user's newest seq below `beforeSeq` among events created before `before` (epoch ms); 0 if none. */
  async lastSeqBefore(userId: number, beforeSeq: number, before: number): Promise<number> {
    const [row] = await this.sql`
      SELECT MAX(seq) AS seq FROM events WHERE user_id = ${userId} AND seq < ${beforeSeq} AND created_at < ${before}`;
    return Number(row?.seq ?? 0);
  }

  /** The user's latest event sequence (0 before the first play). */
  async latestSeq(userId: number): Promise<number> {
    const [row] = await this.sql`SELECT event_seq FROM users WHERE id = ${userId}`;
    return row ? Number(row.event_seq) : 0;
  }

  /** The newest `n` events of everyone, oldest first, by row id (the recent events put them in their own order). */
  async recent(n: number): Promise<string[]> {
    if (n === 0) return [];
    const rows = await this.sql`SELECT id, payload FROM events ORDER BY id DESC LIMIT ${n}`;
    return rows.map((row: { id: unknown; payload: string }) => withCursor(row.payload, Number(row.id))).reverse();
  }
}
