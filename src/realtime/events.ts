/**
 * Every message the server sends over a WebSocket, as TypeBox schemas: the single definition of
 * the wire format (API.md, "WebSocket streams"). The builders below produce exactly these
 * shapes, and a test checks every message a real socket receives against them.
 */
import { Type as t, type Static } from '@sinclair/typebox';
import { GameType } from '../games/model';

export const SCHEMA_VERSION = 1;

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

const now = () => new Date().toISOString();

/**
 * Builders. Each returns the serialized message: a message is turned into text once and that
 * same string goes to every topic and every socket.
 */
export const messages = {
  wsAck: (userId: number, expiresIn: number) => JSON.stringify({ type: 'ws_ack', v: SCHEMA_VERSION, user_id: userId, expires_in: expiresIn, ts: now() }),
  /**
   * `event_id` comes first after the header, so `gameEventHead` can read it without parsing;
   * `cursor` comes last, so `cursorOf` can.
   */
  gameEvent: (event: Omit<GameEvent, 'type' | 'v'>) =>
    JSON.stringify({ type: 'game_event', v: SCHEMA_VERSION, event_id: event.event_id, game_type: event.game_type, user_id: event.user_id, bet: event.bet, result: event.result, ts: event.ts, cursor: event.cursor }),
  balanceUpdate: (update: Omit<BalanceUpdate, 'type' | 'v'>) =>
    JSON.stringify({ type: 'balance_update', v: SCHEMA_VERSION, user_id: update.user_id, balance: update.balance, delta: update.delta, reason: update.reason, event_id: update.event_id, ts: update.ts }),
  /** `recentEvents` are already-serialized game_events, spliced in without parsing them again. */
  monitorSnapshot: (connectedUserIds: readonly number[], recentEvents: readonly string[]) =>
    `{"type":"monitor_snapshot","v":${SCHEMA_VERSION},"connected_user_ids":${JSON.stringify(connectedUserIds)},"recent_events":[${recentEvents.join(',')}],"ts":"${now()}"}`,
  presence: (userId: number, status: 'join' | 'leave') => JSON.stringify({ type: 'presence', v: SCHEMA_VERSION, user_id: userId, status, ts: now() }),
  error: (code: string, message: string) => JSON.stringify({ type: 'error', v: SCHEMA_VERSION, code, message, ts: now() }),
  pong: () => JSON.stringify({ type: 'pong', v: SCHEMA_VERSION, ts: now() }),
  refreshed: (expiresIn: number) => JSON.stringify({ type: 'refreshed', v: SCHEMA_VERSION, expires_in: expiresIn, ts: now() }),
};

/**
 * Event ids are "<user id>-<per-user sequence>". Clients treat them as opaque; the server reads
 * the sequence back to resume a stream.
 */
export const eventId = (userId: number, seq: number) => `${userId}-${seq}`;

export function parseEventId(id: string): { userId: number; seq: number } | undefined {
  const match = /^(\d{1,15})-(\d{1,15})$/.exec(id);
  if (!match) return undefined;
  return { userId: Number(match[1]), seq: Number(match[2]) };
}

/** A game_event's prefix, as `messages.gameEvent` writes it. */
const GAME_EVENT_PREFIX = '{"type":"game_event"';
const EVENT_ID_AT = `${GAME_EVENT_PREFIX},"v":${SCHEMA_VERSION},"event_id":"`.length;

/**
 * The user and sequence of a serialized game_event (as `messages.gameEvent` writes it), read
 * from its head without parsing the whole message: the hub does this for every event.
 */
export function gameEventHead(message: string): { userId: number; seq: number } | undefined {
  if (!message.startsWith(GAME_EVENT_PREFIX)) return undefined;
  const end = message.indexOf('"', EVENT_ID_AT);
  return end === -1 ? undefined : parseEventId(message.slice(EVENT_ID_AT, end));
}

/** A game_event's `cursor`, as `messages.gameEvent` writes it (the last field), read without parsing. */
const CURSOR_TAIL = /,"cursor":"(\d{1,15})"}$/;

/** The cursor of a serialized game_event, or undefined for one without (stored before cursors). */
export function cursorOf(message: string): number | undefined {
  const match = CURSOR_TAIL.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** A stored game_event with its cursor (its row id): as stored if it has one, else with it added at the end. */
export function withCursor(payload: string, id: number): string {
  return cursorOf(payload) !== undefined || !payload.endsWith('}') ? payload : `${payload.slice(0, -1)},"cursor":"${id}"}`;
}
