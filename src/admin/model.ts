/**
 * The back office's schemas: what `/api/admin/…` takes and answers (docs/API.md, "REST").
 * Query strings arrive as text and are read by the services, so that each bad value gets its
 * own error code (`invalid_from`, `invalid_q`, …), not a generic schema failure.
 */
import { Type as t } from '@sinclair/typebox';

export const StatsQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 date or date-time with a zone (2025-08-16, 2025-08-16T12:00:00Z): plays at or after it; default all time' })),
  to: t.Optional(t.String({ maxLength: 40, description: 'ISO 8601 date or date-time with a zone: plays before it; default now and after' })),
  game_type: t.Optional(t.String({ maxLength: 16, description: 'only this game: slot, rps, gacha or crash' })),
});
export type StatsQuery = typeof StatsQuery.static;

export const GameTotals = t.Object({
  plays: t.Integer(),
  bet: t.Number({ description: 'sum of the bets' }),
  payout: t.Number({ description: 'sum of the payouts' }),
  ggr: t.Number({ description: 'gross gaming revenue: bet − payout' }),
  rtp: t.Union([t.Number(), t.Null()], { description: 'payout ÷ bet; null with no bets' }),
});
export type GameTotals = typeof GameTotals.static;

export const StatsResponse = t.Object({
  from: t.Union([t.String(), t.Null()], { description: 'the period start as given (ISO 8601 UTC); null: all time' }),
  to: t.Union([t.String(), t.Null()], { description: 'the period end, exclusive; null: up to now' }),
  games: t.Record(t.String(), GameTotals, { description: 'every game (or the one asked for), with zeros where nothing was played' }),
  all: GameTotals,
});
export type StatsResponse = typeof StatsResponse.static;
