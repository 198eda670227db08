/**
 * The two WebSocket routes. The token is checked before the upgrade (401/403 as plain HTTP,
 * no socket opened); user sockets subscribe to `user:<id>`, monitors to `monitor`, and Bun's
 * topics do the fan-out natively.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Elysia } from 'elysia';
import type { ServerWebSocket } from 'bun';
import type { AccessClaims, TokenService } from '../auth/tokens';
import { bearerToken } from '../auth/tokens';
import { errorBody } from '../http/errors';
import { TokenBucket } from '../http/rate-limit';
import type { Logger } from '../log';
import type { Metrics } from '../observability/metrics';
import { CloseCode, WsErrorCode } from './close-codes';
import { ClientMessage, messages, parseEventId, GAME_EVENT_PREFIX } from './events';
import type { EventHistory } from './history';
import { MONITOR_TOPIC, userTopic, type Hub } from './hub';

export type RealtimeOptions = {
  allowQueryToken: boolean;
  allowedOrigins: readonly string[] | undefined;
  messageRatePerSecond: number;
  messageBurst: number;
  slowSocketBytes: number;
  resumeMaxEvents: number;
};

/** What each socket keeps: small on purpose, it is multiplied by every connection. */
export type Session = {
  kind: 'user' | 'monitor';
  userId: number;
  /** Epoch ms at which the token expires; moved by an in-band refresh. */
  expiresAt: number;
  budget: TokenBucket;
  since: string | undefined;
  /** Set while a resuming socket reads history and catches up: stops the hub relaying to it. */
  stopWatching?: () => void;
  isOpen: boolean;
};

type Socket = ServerWebSocket<{ session: Session }>;

export const SUBPROTOCOL = 'games.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';
const SWEEP_INTERVAL_MS = 200;
/** What clients may send, from the one schema in events.ts, compiled once. */
const isClientMessage = TypeCompiler.Compile(ClientMessage);

type Refusal = { status: 401 | 403; code: string; message: string };
type Accepted = { claims: AccessClaims; answerSubprotocol: boolean };

/** The registry of open sockets on this instance, swept for expired tokens and slow readers. */
export class SocketRegistry {
  readonly sockets = new Set<Socket>();
  private readonly sweeper: Timer;

  constructor(
    private readonly slowSocketBytes: number,
    private readonly metrics?: Metrics,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Something was sent since the last sweep, so a buffer may have grown. */
  private hasTraffic = false;
  /** No socket's token expires before this (epoch ms): until then expiry needs no scan. */
  private nextExpiry = Number.POSITIVE_INFINITY;

  add(ws: Socket): void {
    this.sockets.add(ws);
    this.nextExpiry = Math.min(this.nextExpiry, ws.data.session.expiresAt);
  }

  /** Called for every publish to Bun's topics. */
  noteTraffic(): void {
    this.hasTraffic = true;
  }

  /** Sends one message; a socket whose buffer overflowed is closed 4002 rather than left with a gap. */
  send(ws: Socket, message: string): boolean {
    this.hasTraffic = true;
    const status = ws.send(message);
    if (status === 0) {
      this.metrics?.serverClosed('too_slow');
      ws.close(CloseCode.TOO_SLOW, 'too slow to keep up');
      return false;
    }
    return true;
  }

  /**
   * Bun drops a publish for a subscriber whose buffer is past `backpressureLimit` without a word;
   * closing a socket well before that (4002) means it never silently misses a message, and it
   * resumes with `since`. An idle server skips the pass: buffers only grow when something is
   * sent, and refreshes only move expiries later, so `nextExpiry` stays a safe lower bound.
   */
  private sweep(now = Date.now()): void {
    const checkBuffers = this.hasTraffic;
    if (!checkBuffers && now < this.nextExpiry) return;
    this.hasTraffic = false;
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const ws of this.sockets) {
      const { expiresAt } = ws.data.session;
      if (now >= expiresAt) ws.close(CloseCode.TOKEN_EXPIRED, 'token expired');
      else {
        nextExpiry = Math.min(nextExpiry, expiresAt);
        if (checkBuffers && ws.getBufferedAmount() > this.slowSocketBytes) {
          this.metrics?.serverClosed('too_slow');
          ws.close(CloseCode.TOO_SLOW, 'too slow to keep up');
        }
      }
    }
    this.nextExpiry = nextExpiry;
  }

  /** Closes every socket with `code` (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const ws of this.sockets) ws.close(code, reason);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

export function realtimeController(deps: {
  hub: Hub;
  tokens: TokenService;
  history: EventHistory;
  registry: SocketRegistry;
  metrics: Metrics;
  logger: Logger;
  options: RealtimeOptions;
}) {
  const { hub, tokens, history, registry, metrics, logger, options } = deps;

  async function authenticate(headers: Record<string, string | undefined>, query: Record<string, string | undefined>): Promise<Refusal | Accepted> {
    const origin = headers.origin;
    const isOriginRefused = origin !== undefined && options.allowedOrigins !== undefined && !options.allowedOrigins.includes(origin);
    if (isOriginRefused) return { status: 403, code: 'origin_not_allowed', message: 'this Origin may not open a socket' };

    const offered = (headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const fromProtocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
    // Without games.v1 to answer, Bun would answer the first protocol offered: the token itself.
    if (fromProtocol !== undefined && !offered.includes(SUBPROTOCOL)) {
      return { status: 401, code: 'subprotocol_required', message: `offer ${SUBPROTOCOL} beside the bearer.<token> subprotocol` };
    }
    const fromQuery = query.token;
    if (fromQuery !== undefined && !options.allowQueryToken) {
      return { status: 401, code: 'query_token_refused', message: 'tokens in the URL are disabled; use Authorization: Bearer or the bearer.<token> subprotocol' };
    }
    const token = bearerToken(headers.authorization) ?? fromProtocol ?? fromQuery;
    const claims = await tokens.verify(token);
    if (!claims) return { status: 401, code: 'unauthorized', message: 'a valid access token is required' };
    return { claims, answerSubprotocol: offered.includes(SUBPROTOCOL) };
  }

  function newSession(kind: Session['kind'], claims: AccessClaims, since: string | undefined): Session {
    return { kind, userId: claims.userId, expiresAt: claims.expiresAt, budget: new TokenBucket(options.messageRatePerSecond, options.messageBurst), since, isOpen: true };
  }

  const expiresIn = (session: Session) => Math.max(0, Math.floor((session.expiresAt - Date.now()) / 1000));

  /** Sends the user's events after `since`, then switches to live without a gap or a repeat. */
  async function resume(ws: Socket, session: Session, since: string): Promise<void> {
    const topic = userTopic(session.userId);
    const position = parseEventId(since);
    if (!position || position.userId !== session.userId) {
      registry.send(ws, messages.error(WsErrorCode.RESYNC_REQUIRED, 'unknown event id: reload your state over REST'));
      ws.subscribe(topic);
      return;
    }
    const pending: string[] = [];
    let relay: (message: string) => void = (message) => pending.push(message);
    session.stopWatching = hub.watch(session.userId, (message) => relay(message));
    let isRelaying = false;
    try {
      const [latest, missed] = await Promise.all([
        history.latestSeq(session.userId),
        history.since(session.userId, position.seq, options.resumeMaxEvents + 1),
      ]);
      if (!session.isOpen) return;
      const isUnknown = position.seq > latest;
      const isTooOld = missed.length > options.resumeMaxEvents;
      const isResync = isUnknown || isTooOld;
      if (isResync) {
        registry.send(ws, messages.error(WsErrorCode.RESYNC_REQUIRED, isUnknown ? 'unknown event id: reload your state over REST' : 'too many missed events to replay: reload your state over REST'));
      }
      // After a resync the client reloads over REST, which holds everything read here.
      let lastSent = isResync ? latest : position.seq;
      if (!isResync) {
        for (const event of missed) {
          if (!registry.send(ws, event.payload)) return;
          lastSent = event.seq;
        }
      }
      // A broker may deliver an event well after its commit, so events just read from the
      // database can still be on their way. Until the delivery path reaches the newest one the
      // client has, the user's messages are relayed from here with repeats dropped; then the
      // topic takes over, in one synchronous step after that delivery (which the topic does not
      // repeat: the socket was not subscribed when it was published).
      const newestSent = lastSent;
      let isCaughtUp = false;
      const goLive = () => {
        session.stopWatching?.();
        session.stopWatching = undefined;
        if (session.isOpen) ws.subscribe(topic);
      };
      relay = (message) => {
        if (message.startsWith(GAME_EVENT_PREFIX)) {
          const seq = parseEventId((JSON.parse(message) as { event_id: string }).event_id)?.seq ?? 0;
          if (seq >= newestSent && !isCaughtUp) {
            isCaughtUp = true;
            queueMicrotask(goLive);
          }
          if (seq <= lastSent) return;
          lastSent = seq;
        }
        registry.send(ws, message);
      };
      isRelaying = true;
      for (const message of pending) relay(message);
    } finally {
      if (!isRelaying) {
        session.stopWatching?.();
        session.stopWatching = undefined;
      }
    }
  }

  function onMessage(ws: Socket, message: unknown): void {
    const session = ws.data.session;
    if (!session.budget.take()) {
      metrics.serverClosed('message_budget');
      ws.close(CloseCode.POLICY_VIOLATION, 'message budget exceeded');
      return;
    }
    const isObject = typeof message === 'object' && message !== null && !Array.isArray(message);
    if (!isObject) {
      registry.send(ws, messages.error(WsErrorCode.BAD_JSON, 'messages are JSON objects with a "type"'));
      return;
    }
    if (!isClientMessage.Check(message)) {
      // A refresh without a usable token is a refused refresh, not an unknown message.
      const isRefresh = (message as { type?: unknown }).type === 'refresh';
      registry.send(ws, isRefresh ? invalidToken() : messages.error(WsErrorCode.UNKNOWN_TYPE, 'known types: ping, refresh'));
      return;
    }
    switch (message.type) {
      case 'ping':
        registry.send(ws, messages.pong());
        break;
      case 'refresh':
        void refresh(ws, session, message.token);
        break;
    }
  }

  const invalidToken = () => messages.error(WsErrorCode.INVALID_TOKEN, 'refresh needs a valid access token for the same user');

  async function refresh(ws: Socket, session: Session, token: string): Promise<void> {
    const claims = await tokens.verify(token);
    if (!session.isOpen) return;
    const isSameUser = claims !== undefined && claims.userId === session.userId && (session.kind === 'user' || claims.role === 'admin');
    if (!isSameUser) {
      registry.send(ws, invalidToken());
      return;
    }
    session.expiresAt = claims.expiresAt;
    registry.send(ws, messages.refreshed(expiresIn(session)));
  }

  function opened(ws: Socket): Session {
    registry.add(ws);
    const { session } = ws.data;
    metrics.socketOpened(session.kind);
    logger.info('socket open', { kind: session.kind, user_id: session.userId });
    return session;
  }

  function closed(ws: Socket, code: number): void {
    const session = ws.data.session;
    metrics.socketClosed(session.kind);
    logger.info('socket close', { kind: session.kind, user_id: session.userId, code });
    session.isOpen = false;
    session.stopWatching?.();
    registry.sockets.delete(ws);
    if (session.kind === 'user') hub.disconnect(session.userId);
  }

  /** Checks origin and token before the upgrade; a refusal is plain HTTP and no socket opens. */
  /**
   * Handlers shared by every socket of a kind. Elysia's WebSocket dispatcher calls
   * `ws.data.open/message/close`; upgrading ourselves with a `data` of just the session and
   * these shared functions keeps a socket's own state to a few hundred bytes, where Elysia's
   * `.ws()` copies the whole request context into every socket (6.6 KB per idle socket here).
   */
  const userHandlers = {
    open(ws: Socket) {
      const session = opened(ws);
      hub.connect(session.userId);
      if (!registry.send(ws, messages.wsAck(session.userId, expiresIn(session)))) return;
      if (session.since !== undefined) void resume(ws, session, session.since);
      else ws.subscribe(userTopic(session.userId));
    },
    message: (ws: Socket, message: string | Buffer) => onMessage(ws, parseClientMessage(message)),
    close: closed,
  };
  const monitorHandlers = {
    open(ws: Socket) {
      opened(ws);
      // Snapshot and subscribe in one synchronous step: no event falls between them.
      if (registry.send(ws, messages.monitorSnapshot(hub.connectedUserIds(), hub.recentEvents()))) ws.subscribe(MONITOR_TOPIC);
    },
    message: userHandlers.message,
    close: closed,
  };

  /** Checks origin and token before the upgrade; a refusal is plain HTTP and no socket opens. */
  const route = (path: string, kind: Session['kind'], handlers: typeof userHandlers) =>
    new Elysia({ name: `realtime-${kind}` }).get(path, async ({ request, headers, query, server, status }) => {
      const outcome = await authenticate(headers, query);
      if ('status' in outcome) return status(outcome.status, errorBody(outcome.code, outcome.message));
      if (kind === 'monitor' && outcome.claims.role !== 'admin') return status(403, errorBody('forbidden', 'the monitor is for admins only'));
      const upgradeHeaders: Record<string, string> = outcome.answerSubprotocol ? { 'sec-websocket-protocol': SUBPROTOCOL } : {};
      const session = newSession(kind, outcome.claims, kind === 'user' ? query.since : undefined);
      const isUpgraded = server?.upgrade(request, { headers: upgradeHeaders, data: { session, ...handlers } }) ?? false;
      if (!isUpgraded) return status(426, errorBody('upgrade_required', 'this endpoint speaks WebSocket: send an Upgrade request'));
      return undefined;
    });

  return new Elysia({ name: 'realtime' })
    .use(route('/api/games/ws', 'user', userHandlers))
    .use(route('/api/games/ws/monitor', 'monitor', monitorHandlers));
}

/**
 * A client's text frame as JSON, or undefined for anything that is not JSON (binary frames
 * included); `onMessage` answers those with `bad_json`.
 */
function parseClientMessage(message: string | Buffer): unknown {
  if (typeof message !== 'string') return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}
