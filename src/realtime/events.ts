/**
 * The builders of the messages the server sends, each returning the serialized text, and the
 * event id's format. The shapes themselves are defined once, in client/protocol/messages.ts,
 * which the client checks frames against.
 */
import { SCHEMA_VERSION, type BalanceUpdate, type GameEvent } from '../../client/protocol/messages';

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

/** The sequence of the play a serialized balance_update follows; undefined for any other message. */
export function balanceUpdateSeq(message: string): number | undefined {
  if (!message.startsWith('{"type":"balance_update"')) return undefined;
  try {
    const eventIdOf = (JSON.parse(message) as { event_id?: unknown }).event_id;
    return typeof eventIdOf === 'string' ? parseEventId(eventIdOf)?.seq : undefined;
  } catch {
    return undefined;
  }
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
