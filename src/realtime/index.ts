/**
 * The two WebSocket routes. Origin, token and caps are checked before the upgrade (a refusal
 * is plain HTTP and no socket opens); user sockets subscribe to `user:<id>`, monitors to their
 * filter's topic, and Bun's topics do the fan-out natively.
 *
 * Sockets upgrade from plain Elysia routes with `data = { session, open, message, close }`, the
 * handlers shared by every socket of a kind and called by Elysia's own dispatcher: Elysia's
 * `.ws()` copies the whole request context into every socket (6.6 KB against 2.8 KB per idle
 * socket here).
 */
import type { AddressOf } from '../client-address';
import type { ClusterSocketCaps } from './cluster-socket-caps';
import { Elysia } from 'elysia';
import type { TokenService } from '../access-tokens';
import { throttledWarnings, type Logger } from '../log';
import type { Metrics } from '../metrics';
import { errorBody, tooManyRequests } from '../errors';
import { clientMessageHandler, filterFields } from './client-messages';
import { CloseCode, WsErrorCode } from '../../client/protocol/close-codes';
import { SUBPROTOCOL, type MonitorFilter } from '../../client/protocol/messages';
import { messages } from './events';
import type { EventHistory } from './event-reader';
import type { Hub } from './hub';
import { checkFilter, filterFromQuery, MONITOR_PRESENCE_TOPIC, MONITOR_TOPIC, passes } from './monitor-feed';
import { parseCursor, resumeMonitor } from './monitor-resume';
import type { SocketRegistry } from './registry';
import type { BalanceReader } from './balance-reader';
import type { BlockedCheck } from './account-status';
import { resume, startFresh, type ResumeOutcome } from './resume';
import type { Session, Socket, SocketHandlers } from './session';
import type { ResumeBudget } from './resume-budget';
import type { SocketOpenRate } from './socket-open-rate';
import type { SocketQuota } from './socket-quota';
import { checkUpgrade, isOriginAllowed, type UpgradePolicy } from './upgrade';

export type RealtimeDeps = {
  hub: Hub;
  tokens: TokenService;
  history: EventHistory;
  balances: BalanceReader;
  registry: SocketRegistry;
  quota: SocketQuota;
  openRate: SocketOpenRate;
  metrics: Metrics;
  logger: Logger;
  policy: UpgradePolicy;
  resumeMaxEvents: number;
  /** The client's address, for the per-address socket cap (behind trusted proxies, from X-Forwarded-For). */
  clientAddress: AddressOf;
  /** The socket caps for the whole cluster (with Redis). */
  clusterCaps: ClusterSocketCaps;
  /** The message budget for the whole cluster (with Redis); the per-instance one applies first. */
  clusterBudget?: { take(userId: number): Promise<number | undefined> };
  resumeBudget: ResumeBudget;
  /** Whether an admin blocked the account (its upgrade is refused 403 `account_blocked`); synchronous where the database allows. */
  isBlocked?: BlockedCheck;
};

export function realtimeController(deps: RealtimeDeps) {
  const { hub, tokens, history, balances, registry, quota, openRate, policy, metrics, logger } = deps;
  const resumeWarnings = throttledWarnings(logger, { now: Date.now }, 10_000);
  const balanceWarnings = throttledWarnings(logger, { now: Date.now }, 10_000);

  /** The topic of the monitor's filter, in place of its previous one (and of a resume's relay). */
  function takeFeed(ws: Socket, filter: MonitorFilter | undefined): void {
    const session = ws.data.session;
    session.stopWatching?.();
    session.stopWatching = undefined;
    const previous = session.feed;
    if (previous) {
      ws.unsubscribe(previous.topic);
      previous.release();
    }
    session.filter = filter;
    session.feed = hub.monitors.acquire(filter);
  }

  function subscribeFeed(ws: Socket): void {
    const { feed } = ws.data.session;
    if (!feed) return;
    ws.subscribe(feed.topic);
    if (feed.topic !== MONITOR_TOPIC) ws.subscribe(MONITOR_PRESENCE_TOPIC);
    else ws.unsubscribe(MONITOR_PRESENCE_TOPIC);
  }

  /** The monitor's snapshot under its filter, then its topics: one synchronous step, so no event falls between. */
  function startFeed(ws: Socket, filter: MonitorFilter | undefined): void {
    takeFeed(ws, filter);
    const recent = filter ? hub.recentEvents().filter((event) => passes(filter, JSON.parse(event))) : hub.recentEvents();
    if (!registry.send(ws, messages.monitorSnapshot(hub.presence.connectedUserIds(), recent))) return;
    subscribeFeed(ws);
  }

  const onMessage = clientMessageHandler({
    tokens,
    registry,
    metrics,
    clusterBudget: deps.clusterBudget,
    resubscribe(ws, message) {
      const filter = checkFilter(filterFields(message));
      if (filter && 'error' in filter) registry.send(ws, messages.error(WsErrorCode.INVALID_FILTER, filter.error));
      else startFeed(ws, filter);
    },
  });

  function opened(ws: Socket): void {
    const { kind, userId } = ws.data.session;
    registry.add(ws);
    metrics.socketOpened(kind);
    logger.info('socket open', { kind, user_id: userId });
  }

  function closed(ws: Socket, code: number): void {
    const session = ws.data.session;
    metrics.socketClosed(session.kind);
    logger.info('socket close', { kind: session.kind, user_id: session.userId, code });
    session.isOpen = false;
    session.stopWatching?.();
    session.feed?.release();
    session.unfollow?.();
    if (session.kind === 'user') hub.unfollow(session.userId);
    registry.remove(ws);
    releasePlace(quota, session);
    if (session.kind === 'user') hub.presence.disconnect(session.userId);
  }

  /** A resume that could not read its events or the balance (the database is away): the client retries later; the instance stays up. */
  function resumeFailed(ws: Socket, error: unknown): void {
    resumeWarnings.warn('resume failed: events unavailable', { user_id: ws.data.session.userId, error: String(error) });
    if (ws.data.session.isOpen) ws.close(CloseCode.TRY_AGAIN_LATER, 'events unavailable: reconnect later with since');
  }

  /** A fresh socket whose balance could not be read goes live all the same: the next balance_update says it. */
  function balanceFailed(ws: Socket, error: unknown): void {
    balanceWarnings.warn('balance on connect failed: ledger unavailable', { user_id: ws.data.session.userId, error: String(error) });
  }

  const resumeDeps = { hub, history, balances, registry, maxEvents: deps.resumeMaxEvents, budget: deps.resumeBudget };

  /** What a socket's start ended in: a resume past the budget is closed 4005, nothing replayed; the client backs off. */
  function started(ws: Socket, outcome: ResumeOutcome): void {
    if (outcome === 'over_budget') {
      metrics.serverClosed('resume_budget');
      if (ws.data.session.isOpen) ws.close(CloseCode.RESUME_BUDGET_EXCEEDED, 'resume budget exceeded: back off, then reconnect with since');
    } else if (typeof outcome === 'object') {
      balanceFailed(ws, outcome.balanceError);
    }
  }
  const userHandlers: SocketHandlers = {
    open(ws) {
      const session = ws.data.session;
      opened(ws);
      hub.follow(session.userId);
      hub.presence.connect(session.userId);
      if (!registry.send(ws, messages.wsAck(session.userId, registry.expiresIn(ws)))) return;
      // A fresh socket on a SQLite file starts in this one synchronous step, no promise kept.
      const now = session.since === undefined ? startFresh(resumeDeps, ws) : undefined;
      if (now !== undefined) {
        started(ws, now);
        return;
      }
      resume(resumeDeps, ws, session.since).then(
        (outcome) => started(ws, outcome),
        (error) => resumeFailed(ws, error),
      );
    },
    message: onMessage,
    close: closed,
  };
  const monitorHandlers: SocketHandlers = {
    open(ws) {
      opened(ws);
      const session = ws.data.session;
      const following = hub.followFeed();
      session.unfollow = following.release;
      const begin = () => {
        const { since, filter } = session;
        if (since === undefined) {
          startFeed(ws, filter);
          return;
        }
        takeFeed(ws, filter);
        resumeMonitor({ hub, history, registry, maxEvents: deps.resumeMaxEvents }, ws, Number(since), () => subscribeFeed(ws)).catch((error) => resumeFailed(ws, error));
      };
      // The first monitor here waits until the whole feed flows and the snapshot can be whole.
      if (!following.ready) begin();
      else following.ready.then(() => session.isOpen && begin()).catch((error) => resumeFailed(ws, error));
    },
    message: onMessage,
    close: closed,
  };

  const route = (path: string, kind: Session['kind'], handlers: SocketHandlers) =>
    new Elysia({ name: `realtime-${kind}` }).get(path, async ({ request, headers, query, server, status, set }) => {
      const address = deps.clientAddress(request, server);
      // Counted before the token is checked: churn from one host stops before it costs a verification.
      const addressWait = await openRate.takeAddress(address);
      // Thrown: answered 429 rate_limited with Retry-After by src/http, as the REST rate limits are.
      if (addressWait !== undefined) throw tooManyRequests('this address opens sockets too fast; retry after Retry-After seconds', addressWait);
      if (!quota.takeAddress(address)) return status(429, errorBody('too_many_sockets', 'this address has too many sockets open or opening'));
      let isAddressHandedOver = false;
      try {
        const outcome = await checkUpgrade(tokens, policy, headers, query);
        if ('status' in outcome) {
          // RFC 6750: every 401 names the Bearer scheme (and says invalid_token when one was sent).
          if (outcome.status === 401) set.headers['www-authenticate'] = outcome.headers?.['www-authenticate'] ?? 'Bearer realm="games"';
          return status(outcome.status, errorBody(outcome.code, outcome.message));
        }
        const { claims } = outcome;
        if (kind === 'monitor' && claims.role !== 'admin') return status(403, errorBody('forbidden', 'the monitor is for admins only'));
        // The token outlives a block; the database says. While it cannot, the socket opens (plays
        // are refused by the ledger anyway) and the blocked-account sweep closes it later.
        const blocked = deps.isBlocked?.(claims.userId);
        if (blocked === true || (blocked instanceof Promise && (await blocked.catch(() => false)))) return status(403, errorBody('account_blocked', 'this account is blocked'));
        const filter = kind === 'monitor' ? filterFromQuery(query) : undefined;
        if (filter && 'error' in filter) return status(400, errorBody('invalid_filter', filter.error));
        const userWait = await openRate.takeUser(claims.userId);
        if (userWait !== undefined) throw tooManyRequests('this user opens sockets too fast; retry after Retry-After seconds', userWait);
        const isBadCursor = kind === 'monitor' && query.since !== undefined && parseCursor(query.since) === undefined;
        if (isBadCursor) return status(400, errorBody('invalid_cursor', 'since: a cursor from a game_event of this stream'));
        const budget = quota.takeUser(claims.userId);
        if (!budget) return status(429, errorBody('too_many_sockets', 'this user has too many sockets open; close one first'));
        const place = await deps.clusterCaps.take(claims.userId, address);
        if ('full' in place) {
          quota.releaseUser(claims.userId);
          const which = place.full === 'user' ? 'this user has too many sockets open in the cluster; close one first' : 'this address has too many sockets open in the cluster';
          return status(429, errorBody('too_many_sockets', which));
        }
        isAddressHandedOver = true;
        const session: Session = { kind, userId: claims.userId, expiresAt: claims.expiresAt, budget, since: query.since, filter, address, releaseInCluster: place.release, isReleased: false, isOpen: true };
        const upgradeHeaders: Record<string, string> = outcome.answerSubprotocol ? { 'sec-websocket-protocol': SUBPROTOCOL } : {};
        const isUpgraded = server?.upgrade(request, { headers: upgradeHeaders, data: { session, ...handlers } }) ?? false;
        if (!isUpgraded) {
          releasePlace(quota, session);
          return status(426, errorBody('upgrade_required', 'this endpoint speaks WebSocket: send an Upgrade request'));
        }
        return undefined;
      } finally {
        if (!isAddressHandedOver) quota.releaseAddress(address);
      }
    });

  // A browser sees a refused upgrade only as 1006: a page asks here (a POST carries its Origin) and says why in words.
  const originCheck = new Elysia({ name: 'realtime-origin-check' }).post('/api/games/ws/origin-check', ({ headers }) => ({
    origin: headers.origin ?? null,
    allowed: isOriginAllowed(policy, headers.origin, headers.host),
  }));

  return new Elysia({ name: 'realtime' }).use(route('/api/games/ws', 'user', userHandlers)).use(route('/api/games/ws/monitor', 'monitor', monitorHandlers)).use(originCheck);
}

/**
 * Gives back one socket's place under the caps, once. A function out here, not a closure per
 * socket: a closure made inside the async route handler keeps that handler's whole scope (the
 * request, its headers and query) alive for as long as the socket lives (4.7 against 2.1 KiB
 * per socket at 10,000 sockets), and even one made out here is a function and a scope more
 * for every socket.
 */
function releasePlace(quota: SocketQuota, session: Session): void {
  if (session.isReleased) return;
  session.isReleased = true;
  quota.releaseUser(session.userId);
  quota.releaseAddress(session.address);
  session.releaseInCluster();
}
