/**
 * Every message of the WebSocket streams, as TypeBox schemas: the single definition of the wire
 * format (API.md, "WebSocket streams"). The server's builders (src/realtime/events.ts) produce
 * exactly these shapes, a test checks every message a real socket receives against them, and
 * the client checks every frame it is handed.
 */
import { Type as t, type Static } from '@sinclair/typebox';
import { GameType } from './games';

export const SCHEMA_VERSION = 1;

/** The subprotocol a socket is opened with; a browser's token travels beside it as `bearer.<token>`. */
export const SUBPROTOCOL = 'games.v1';
export const BEARER_PROTOCOL_PREFIX = 'bearer.';

/**
 * ISO 8601 UTC with milliseconds, as `Date#toISOString` writes it. A pattern, not
 * `format: 'date-time'`: a format checks only where one is registered, so the schema would
 * refuse every string in a client without Elysia, and Elysia's accepts any offset.
 */
const Timestamp = t.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' });
const Base = { v: t.Literal(SCHEMA_VERSION), ts: Timestamp };

export const WsAck = t.Object({ type: t.Literal('ws_ack'), ...Base, user_id: t.Integer(), expires_in: t.Integer() });
export const GameEvent = t.Object({
  type: t.Literal('game_event'),
  ...Base,
  event_id: t.String(),
  game_type: GameType,
  user_id: t.Integer(),
  bet: t.Number(),
  result: t.Object({ payout: t.Number() }, { additionalProperties: true }),
  /**
   * The event's place in the order every instance delivers events to monitors in (opaque to
   * clients, increasing): `?since=` on the monitor stream resumes after it. Events stored
   * before it existed get it when read back; a few old history pages may lack it.
   */
  cursor: t.Optional(t.String({ pattern: '^[0-9]{1,15}$' })),
});
export const BalanceUpdate = t.Object({
  type: t.Literal('balance_update'),
  ...Base,
  user_id: t.Integer(),
  balance: t.Number(),
  delta: t.Number(),
  /** The game played, or `adjustment`: an admin moved the balance (`event_id` is then `adjustment-<audit id>`). */
  reason: t.Union([GameType, t.Literal('adjustment')]),
  event_id: t.String(),
});
export const MonitorSnapshot = t.Object({
  type: t.Literal('monitor_snapshot'),
  ...Base,
  connected_user_ids: t.Array(t.Integer()),
  recent_events: t.Array(GameEvent),
});
export const Presence = t.Object({ type: t.Literal('presence'), ...Base, user_id: t.Integer(), status: t.Union([t.Literal('join'), t.Literal('leave')]) });
export const ErrorMessage = t.Object({ type: t.Literal('error'), ...Base, code: t.String(), message: t.String() });
export const Pong = t.Object({ type: t.Literal('pong'), ...Base });
export const Refreshed = t.Object({ type: t.Literal('refreshed'), ...Base, expires_in: t.Integer() });

export const ServerMessage = t.Union([WsAck, GameEvent, BalanceUpdate, MonitorSnapshot, Presence, ErrorMessage, Pong, Refreshed]);
export type ServerMessage = Static<typeof ServerMessage>;
export type GameEvent = Static<typeof GameEvent>;
export type BalanceUpdate = Static<typeof BalanceUpdate>;

/**
 * What a monitor wants to see: only these games, only this user, only bets or win multipliers
 * (payout / bet) at least this big. Every field is optional; none means everything.
 */
export const MonitorFilter = t.Object({
  games: t.Optional(t.Array(GameType, { maxItems: 8, uniqueItems: true })),
  user_id: t.Optional(t.Integer({ minimum: 1 })),
  min_bet: t.Optional(t.Number({ minimum: 0, maximum: 1e12 })),
  min_multiplier: t.Optional(t.Number({ minimum: 0, maximum: 1e6 })),
});
export type MonitorFilter = Static<typeof MonitorFilter>;

/**
 * What clients may send, checked by the socket handler itself. Text that is not a JSON object is
 * answered `bad_json`, a refresh without a usable token `invalid_token`, anything else
 * `unknown_type`.
 */
export const ClientMessage = t.Union([
  t.Object({ type: t.Literal('ping') }),
  t.Object({ type: t.Literal('refresh'), token: t.String({ maxLength: 4096 }) }),
  t.Composite([t.Object({ type: t.Literal('subscribe') }), MonitorFilter]),
]);
export type ClientMessage = Static<typeof ClientMessage>;
