/**
 * The AsyncAPI 3 document of both WebSocket streams, generated from the message schemas in
 * src/realtime/events.ts: a message added there without a stream here makes `asyncApiDocument`
 * throw, so the document cannot silently fall behind the wire format.
 */
import type { TSchema } from '@sinclair/typebox';
import { CloseCode, WsErrorCode } from '../../client/protocol/close-codes';
import { ClientMessage, ServerMessage } from '../../client/protocol/messages';
import { GAME_TYPES } from '../games/catalogue';

type Stream = 'user' | 'monitor';

/** Which stream carries each server message. */
const SERVER_STREAMS: Record<string, Stream[]> = {
  ws_ack: ['user'],
  game_event: ['user', 'monitor'],
  balance_update: ['user'],
  monitor_snapshot: ['monitor'],
  presence: ['monitor'],
  error: ['user', 'monitor'],
  pong: ['user', 'monitor'],
  refreshed: ['user', 'monitor'],
};
/** Which stream accepts each client message. */
const CLIENT_STREAMS: Record<string, Stream[]> = {
  ping: ['user', 'monitor'],
  refresh: ['user', 'monitor'],
  subscribe: ['monitor'],
};

const SUMMARIES: Record<string, string> = {
  ws_ack: 'first message of a user socket',
  game_event: 'one play, exactly as stored',
  balance_update: "the player's balance after a play; also once when a socket goes live (after a resume's replay, or at a fresh connect): the latest play's balance_update with the current balance",
  monitor_snapshot: 'first message of a monitor: who is connected and the recent events (oldest first), filtered like the stream',
  presence: "join: a user's first socket in the cluster opened; leave: the last one closed WS_PRESENCE_GRACE_MS ago (2 s) and none opened since",
  error: `the socket stays open; codes: ${Object.values(WsErrorCode).join(', ')}`,
  pong: 'answer to ping',
  refreshed: 'answer to refresh: the socket now lives until the new token expires',
  ping: 'answered pong',
  refresh: 'a new access token for the same user, so the socket outlives the old one',
  subscribe: 'narrows a monitor stream and its snapshot; fields left out mean any; a filter that fails its schema gets error invalid_filter',
};

const CLOSE_CODES: Record<number, string> = {
  [CloseCode.GOING_AWAY]: 'server shutting down: reconnect with backoff and jitter, resuming with since',
  [CloseCode.INVALID_PAYLOAD]: 'invalid UTF-8 in a text frame: fix the client',
  [CloseCode.POLICY_VIOLATION]: 'message budget exceeded: do not retry at once',
  [CloseCode.MESSAGE_TOO_BIG]: 'message over 4 KiB: fix the client',
  [CloseCode.TOKEN_EXPIRED]: 'token expired: get a new token, reconnect with since',
  [CloseCode.TOO_SLOW]: 'too slow to keep up (backpressure): reconnect with since',
  [CloseCode.RESUME_BUDGET_EXCEEDED]: 'resume budget exceeded: back off, then reconnect with since (sent after ws_ack, nothing replayed)',
  [CloseCode.ACCOUNT_BLOCKED]: 'account blocked by an administrator: do not reconnect',
  [CloseCode.CLOSED_BY_ADMIN]: 'closed by an administrator: may reconnect with backoff, resuming with since',
  [CloseCode.RESUME_OUT_OF_RANGE]: "monitor: more events after since than a resume replays (RESUME_MAX_EVENTS), or an unknown cursor: reload over GET /api/admin/events, reconnect without since",
};

const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema));

/** The members of a union of message objects, keyed by their `type` literal. */
function byType(members: readonly TSchema[]): Map<string, TSchema> {
  return new Map(members.map((member) => [typeLiteral(member), member]));
}

/** The `type` literal of one message object of the protocol (every one has it: messages.ts). */
function typeLiteral(member: TSchema): string {
  const literal: unknown = member.properties?.type?.const;
  if (typeof literal !== 'string') throw new Error('a server message schema without a type literal');
  return literal;
}

const tokenQuery = { type: 'string', description: 'the access token, unless ALLOW_QUERY_TOKEN=false' };

const CHANNELS: Record<Stream, { address: string; title: string; description: string; query: Record<string, unknown> }> = {
  user: {
    address: '/api/games/ws',
    title: 'User stream',
    description: "ws_ack, then the user's own events in event_id order. With since, first every newer stored event, oldest first, then live ones, none missing or repeated; an id too old to replay gets error resync_required. A resume replays game_events only, never balance_updates: once the replay is done (and on every fresh connect) one balance_update gives the current balance.",
    query: {
      since: { type: 'string', description: 'an event_id already seen: replay the newer events first' },
      token: tokenQuery,
    },
  },
  monitor: {
    address: '/api/games/ws/monitor',
    title: 'Monitor stream (admins)',
    description:
      "monitor_snapshot, then every user's game_event and presence; game_events in cursor order, the same on every instance (each user's in that user's order). With since, the snapshot's recent_events are every event after that cursor (up to RESUME_MAX_EVENTS; past it, or for an unknown cursor, close 4006), then live ones, none missing or repeated. The query fields (or a subscribe message) narrow it.",
    query: {
      since: { type: 'string', description: "a game_event's cursor already seen: the snapshot replays every event after it" },
      games: { type: 'string', description: `comma-separated game types: ${GAME_TYPES.join(', ')}` },
      user_id: { type: 'integer', description: "only this user's events" },
      min_bet: { type: 'number', description: 'only bets of at least this' },
      min_multiplier: { type: 'number', description: 'only plays paying at least this multiple of the bet' },
      token: tokenQuery,
    },
  },
};

const AUTH_DESCRIPTION =
  'The access token in Authorization: Bearer, or (browsers) the subprotocol bearer.<token> offered beside games.v1 (the server answers games.v1), or ?token= unless ALLOW_QUERY_TOKEN=false. ' +
  'The upgrade is refused before any socket opens: 401 (missing, malformed, expired or wrongly signed token), 403 (a non-admin on the monitor, a refused Origin, a blocked account), 429 (too many sockets).';

/** `origin`: the server the document was fetched from (or PUBLIC_URL), e.g. `https://games.example`. */
export function asyncApiDocument(origin: string) {
  const url = new URL(origin);
  const server = byType(ServerMessage.anyOf);
  const client = byType(ClientMessage.anyOf);

  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const streamMessages: Record<Stream, { receive: string[]; send: string[] }> = { user: { receive: [], send: [] }, monitor: { receive: [], send: [] } };

  for (const [direction, table, streams] of [['receive', server, SERVER_STREAMS], ['send', client, CLIENT_STREAMS]] as const) {
    for (const [type, schema] of table) {
      const carriers = streams[type];
      if (!carriers) throw new Error(`asyncapi: message type ${type} is on no stream; add it to src/docs/asyncapi.ts`);
      messages[type] = { name: type, title: type, summary: SUMMARIES[type] ?? type, contentType: 'application/json', payload: plain(schema) };
      for (const stream of carriers) streamMessages[stream][direction].push(type);
    }
  }

  for (const stream of ['user', 'monitor'] as const) {
    const { address, title, description, query } = CHANNELS[stream];
    const types = [...new Set([...streamMessages[stream].receive, ...streamMessages[stream].send])];
    channels[stream] = {
      address,
      title,
      description,
      servers: [{ $ref: '#/servers/this' }],
      messages: Object.fromEntries(types.map((type) => [type, { $ref: `#/components/messages/${type}` }])),
      bindings: { ws: { method: 'GET', query: { type: 'object', properties: query } } },
      'x-close-codes': CLOSE_CODES,
    };
    for (const direction of ['receive', 'send'] as const) {
      operations[`${direction}${stream === 'user' ? 'User' : 'Monitor'}`] = {
        action: direction,
        channel: { $ref: `#/channels/${stream}` },
        summary: direction === 'receive' ? `what the server sends on the ${stream} stream` : `what a client may send on the ${stream} stream`,
        messages: streamMessages[stream][direction].map((type) => ({ $ref: `#/channels/${stream}/messages/${type}` })),
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Game event server: WebSocket streams',
      version: '1',
      description:
        'Every server message is a JSON object with type, v (schema version, now 1) and ts (ISO 8601 UTC with milliseconds). ' +
        `Close codes: ${Object.entries(CLOSE_CODES).map(([code, meaning]) => `${code} ${meaning}`).join('; ')}. ` +
        'Unknown client messages get error unknown_type, text that is not a JSON object bad_json. ' +
        AUTH_DESCRIPTION,
    },
    defaultContentType: 'application/json',
    servers: {
      this: {
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        ...(url.pathname === '/' ? {} : { pathname: url.pathname.replace(/\/+$/, '') }),
        description: AUTH_DESCRIPTION,
        security: [
          { $ref: '#/components/securitySchemes/bearerHeader' },
          { $ref: '#/components/securitySchemes/bearerSubprotocol' },
          { $ref: '#/components/securitySchemes/queryToken' },
        ],
      },
    },
    channels,
    operations,
    components: {
      messages,
      securitySchemes: {
        bearerHeader: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Authorization: Bearer <token>' },
        bearerSubprotocol: {
          type: 'httpApiKey',
          name: 'Sec-WebSocket-Protocol',
          in: 'header',
          description: 'for browsers: offer the subprotocols games.v1 and bearer.<token>; the server answers games.v1',
        },
        queryToken: { type: 'httpApiKey', name: 'token', in: 'query', description: '?token=<token>, unless ALLOW_QUERY_TOKEN=false' },
      },
    },
  };
}
