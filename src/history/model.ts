import { Type as t } from '@sinclair/typebox';
import { GameEvent } from '../../client/protocol/messages';
import { GAME_TYPES } from '../games/catalogue';

/**
 * Query strings arrive as text; they are read by `HistoryService` so that each bad value gets
 * its own error code (`invalid_before`, `invalid_limit`, ...), not a generic schema failure.
 * A parameter no route reads (a cache-buster) is ignored, unlike an unknown body field.
 */
export const HistoryQuery = t.Object({
  before: t.Optional(t.String({ description: 'an event_id from a previous page: events older than it' })),
  limit: t.Optional(t.String({ description: 'page size, 1 to 100 (default 50)' })),
}, { additionalProperties: true });
export type HistoryQuery = typeof HistoryQuery.static;

export const AdminEventsQuery = t.Object({
  user_id: t.Optional(t.String({ description: "only this user's events" })),
  game_type: t.Optional(t.String({ description: `only this game: one of ${GAME_TYPES.join(', ')}` })),
  before: t.Optional(t.String({ description: 'a cursor (the global row id) from next_before: events stored before it' })),
  limit: t.Optional(t.String({ description: 'page size, 1 to 100 (default 50)' })),
}, { additionalProperties: true });
export type AdminEventsQuery = typeof AdminEventsQuery.static;

/** A user's own events, newest first; `next_before` is the event_id to pass for the next page. */
export const HistoryPage = t.Object({
  events: t.Array(GameEvent),
  next_before: t.Union([t.String(), t.Null()], { description: 'event_id for the next page; null at the end' }),
});
export type HistoryPage = typeof HistoryPage.static;

/** Any user's events, newest first; `next_before` is the global row id to pass for the next page. */
export const AdminEventsPage = t.Object({
  events: t.Array(GameEvent),
  next_before: t.Union([t.Integer(), t.Null()], { description: 'cursor for the next page; null at the end' }),
});
export type AdminEventsPage = typeof AdminEventsPage.static;
