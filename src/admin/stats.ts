/**
 * Period totals from the ledger: plays, bets, payouts, GGR and RTP per game over a time range,
 * summed by the database over every stored event of the range, never over what a page or an
 * instance happens to hold. Money is summed in minor units (integers, exact on both engines)
 * and turned into the API's numbers once, at the end.
 *
 * One aggregate over the `events_totals` index (game_type, created_at, bet, payout), which
 * holds every column the query reads: the database sums each game's range of the period in
 * the index, in index order (no sort), and never reads the rows with their payloads
 * (bench/micro/admin-stats.ts, BENCHMARKS.md "Period totals").
 */
import type { SQL } from 'bun';
import { badRequest } from '../errors';
import { games } from '../games/catalogue';
import { fromMinor } from '../money';
import type { GameTotals, StatsResponse } from '../../client/protocol/admin';

/** From the catalogue, so a game added there is counted here without a second list. */
const GAME_TYPES: readonly string[] = games.map((game) => game.type);

/** A date (`2025-08-16`, UTC midnight) or a date-time with `Z` or an offset, as ISO 8601 writes them. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms of an ISO instant, or a 400 naming the parameter. */
function parseInstant(raw: unknown, name: 'from' | 'to'): number {
  const at = typeof raw === 'string' && raw.length <= 40 && ISO_INSTANT.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(at)) throw badRequest(`invalid_${name}`, `${name} must be an ISO 8601 date or date-time with a zone, e.g. 2025-08-16 or 2025-08-16T12:00:00Z`);
  return at;
}

/** The minor-unit sums of some plays. */
export type Sums = { plays: number; betMinor: number; payoutMinor: number };

export const NO_PLAYS: Sums = { plays: 0, betMinor: 0, payoutMinor: 0 };

/** Sums as the API shows them: `ggr` is what the house kept, `rtp` payout ÷ bet (null before any bet). */
export function totalsOf({ plays, betMinor, payoutMinor }: Sums): GameTotals {
  return {
    plays,
    bet: fromMinor(betMinor),
    payout: fromMinor(payoutMinor),
    ggr: fromMinor(betMinor - payoutMinor),
    rtp: betMinor === 0 ? null : payoutMinor / betMinor,
  };
}

export const addSums = (a: Sums, b: Sums): Sums => ({ plays: a.plays + b.plays, betMinor: a.betMinor + b.betMinor, payoutMinor: a.payoutMinor + b.payoutMinor });

/** A row of an aggregate, as either driver returns it (PostgreSQL gives BIGINT sums as strings). */
export const sumsOf = (row: { plays: unknown; bet: unknown; payout: unknown }): Sums => ({ plays: Number(row.plays), betMinor: Number(row.bet), payoutMinor: Number(row.payout) });

export class Stats {
  constructor(private readonly sql: SQL) {}

  /** `from` inclusive, `to` exclusive; either may be left out (all time). */
  async period(query: Record<string, unknown>): Promise<StatsResponse> {
    const from = query.from === undefined ? undefined : parseInstant(query.from, 'from');
    const to = query.to === undefined ? undefined : parseInstant(query.to, 'to');
    if (from !== undefined && to !== undefined && from > to) throw badRequest('invalid_period', 'from must not be after to');
    const gameType = query.game_type;
    if (gameType !== undefined && (typeof gameType !== 'string' || !GAME_TYPES.includes(gameType))) throw badRequest('invalid_game_type', `game_type must be one of ${GAME_TYPES.join(', ')}`);
    const shown = gameType === undefined ? GAME_TYPES : [gameType];
    const sql = this.sql;
    // Each game's range of events_totals, and both bounds always: the groups come out of the
    // index in order, with no sort and no read of a row.
    const rows = await sql`
      SELECT game_type, COUNT(*) AS plays, COALESCE(SUM(bet), 0) AS bet, COALESCE(SUM(payout), 0) AS payout
      FROM events
      WHERE game_type IN ${sql(shown)} AND created_at >= ${from ?? 0} AND created_at < ${to ?? Number.MAX_SAFE_INTEGER}
      GROUP BY game_type`;
    const byGame = new Map<string, Sums>(rows.map((row: { game_type: string; plays: unknown; bet: unknown; payout: unknown }) => [row.game_type, sumsOf(row)]));
    const all = shown.reduce((sum, game) => addSums(sum, byGame.get(game) ?? NO_PLAYS), NO_PLAYS);
    return {
      from: from === undefined ? null : new Date(from).toISOString(),
      to: to === undefined ? null : new Date(to).toISOString(),
      games: Object.fromEntries(shown.map((game) => [game, totalsOf(byGame.get(game) ?? NO_PLAYS)])),
      all: totalsOf(all),
    };
  }
}
