/**
 * createApp(deps): builds the services, wires the controllers, and owns every lifetime it
 * starts: one `close()` stops the limiters, sweeps, timers and the hub. It reads no
 * environment; tests build apps with it directly.
 */
import { addressOf, trustedProxies } from './http/client-address';
import { Elysia } from 'elysia';
import { adminController } from './admin';
import { authController } from './auth';
import { RefreshTokenStore } from './auth/refresh-tokens';
import { blockedUserIds } from './auth/users';
import { AuthService } from './auth/service';
import { createTokenService } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { docsController } from './docs';
import { fairnessController } from './fairness';
import { FairnessService } from './fairness/service';
import { gameListController, gamesController } from './play';
import { historyController } from './history';
import { HistoryService } from './history/service';
import { publishAdjustment, publishPlay, renderPlay } from './realtime/play-publisher';
import type { Rng } from './games/rng';
import { GameService } from './play/service';
import { httpErrors } from './http';
import { corsFor } from './http/cors';
import { methodsOf, type ServedRoute } from './http/methods';
import { errorResponse } from './http/errors';
import type { ClusterLimits } from './http/cluster-limits';
import { LimitsFallback, SharedRateLimiter, type Shared } from './http/shared-limits';
import { createLogger, throttledWarnings, type Logger } from './log';
import { monitorController } from './monitor';
import { observabilityController, type Ping } from './observability';
import { buildInfo } from './observability/build-info';
import { Metrics } from './observability/metrics';
import { requestObserver } from './observability/requests';
import { realtimeController } from './realtime';
import { MemoryBroker, type Broker } from './realtime/broker';
import { BalanceReader } from './realtime/balance-reader';
import { blockedCheck } from './realtime/account-status';
import { ClusterControl } from './realtime/control';
import { EventHistory } from './realtime/event-reader';
import { Hub } from './realtime/hub';
import type { Presence } from './realtime/presence/presence';
import { SocketRegistry } from './realtime/registry';
import { ResumeBudget } from './realtime/resume-budget';
import { SocketOpenRate } from './realtime/socket-open-rate';
import { ClusterSocketCaps } from './realtime/cluster-socket-caps';
import { SocketQuota } from './realtime/socket-quota';
import type { Database } from './storage';
import { Ledger } from './wallet/ledger';
import { ledgerStoreFor } from './wallet/ledger-stores';
import { toMinor } from './money';

export type AppDeps = {
  config: Config;
  db: Database;
  /** The HS256 secret in use (src/auth/secret.ts resolves it from the configuration). */
  jwtSecret: string;
  clock?: Clock;
  /** Tests only: plays draw from this instead of the committed seeds. */
  rng?: Rng;
  broker?: Broker;
  /** Cluster presence (Redis); without it, this instance's sockets are the whole story. */
  presence?: Presence;
  logger?: Logger;
  /** Asked by /ready beside the database; undefined when there is no Redis. */
  redisPing?: Ping;
  /** Whether other instances share the broker and presence (realtime/backends.ts). */
  sharedBackends?: boolean;
  /** The cluster's limits in Redis; without them every limit is this instance's own. */
  clusterLimits?: ClusterLimits;
  /** This instance's name among the others (control.ts); a fresh one by default. */
  instanceId?: string;
};

const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** Most events read back after a broker outage; past it, per-user gap filling takes over. */
const CATCH_UP_MAX_EVENTS = 50_000;

/** Bun's per-server WebSocket settings (per-route ones are ignored by Bun). */
function websocketSettings(config: Config) {
  return {
    maxPayloadLength: 4096,
    idleTimeout: 120,
    sendPings: true,
    perMessageDeflate: false,
    // Far above WS_SLOW_BYTES: the sweep closes a slow socket with 4002 long before Bun would
    // start dropping publishes to it.
    backpressureLimit: Math.max(16 * 1024 * 1024, config.WS_SLOW_BYTES * 8),
    closeOnBackpressureLimit: false,
  };
}

export function createApp(deps: AppDeps) {
  const { config, db } = deps;
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = new Metrics(buildInfo(config.GIT_COMMIT));
  const requests = requestObserver({ logger, metrics });
  const tokens = createTokenService({ secret: deps.jwtSecret, ttlSeconds: config.JWT_TTL_SECONDS, now: () => clock.now() });
  // With Redis, every limit holds for the cluster; a check Redis cannot answer is made here instead.
  const limitsFallback = new LimitsFallback((message, fields) => logger.warn(message, fields), clock);
  const shared: Shared | undefined = deps.clusterLimits && { limits: deps.clusterLimits, fallback: limitsFallback };
  const refreshTokens = new RefreshTokenStore(db.sql, config.REFRESH_TTL_SECONDS * 1000);
  const auth = new AuthService({
    sql: db.sql,
    tokens,
    refreshTokens,
    initialBalanceMinor: toMinor(config.INITIAL_BALANCE) ?? Math.round(config.INITIAL_BALANCE * 100),
    passwordMemoryKib: config.PASSWORD_MEMORY_KIB,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    loginLockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
    clock,
    shared,
  });
  const authPerAddress = new SharedRateLimiter('auth', config.AUTH_RATE_PER_MINUTE / 60, config.AUTH_BURST, clock, shared);
  const playLimiter = new SharedRateLimiter('play', config.PLAY_RATE_PER_SECOND, config.PLAY_BURST, clock, shared);

  const history = new EventHistory(db.sql);
  const balances = new BalanceReader(db.sql, db.sqlite);
  // During a broker outage every play's publish fails: one line per kind of failure every
  // 10 s (with how many were folded into it), the metric counts each one.
  const hubWarnings = throttledWarnings(logger, clock, 10_000);
  const registry = new SocketRegistry(config.WS_SLOW_BYTES, clock, metrics);
  const broker = deps.broker ?? new MemoryBroker();
  const controlWarnings = throttledWarnings(logger, clock, 10_000);
  const control = new ClusterControl({
    broker,
    instanceId: deps.instanceId ?? crypto.randomUUID(),
    registry,
    blockedUsers: () => blockedUserIds(db.sql),
    pingDatabase: () => db.sql`SELECT 1`,
    onError: (what, error) => {
      if (what === 'malformed') metrics.frameDropped('malformed_control');
      controlWarnings.warn(`control: ${what} failed`, { error: String(error) });
    },
    onClosed: (why) => metrics.serverClosed(why),
    now: () => clock.now(),
  });
  const hub = new Hub(broker, {
    control: (message) => control.receive(message),
    recentEvents: config.RECENT_EVENTS,
    presence: deps.presence,
    presenceGraceMs: config.WS_PRESENCE_GRACE_MS,
    missed: (userId, afterSeq, beforeSeq) => history.between(userId, afterSeq, beforeSeq),
    // Only with other instances can a user's earlier event still be on its way.
    lastSeqBefore: deps.sharedBackends ? (userId, beforeSeq, before) => history.lastSeqBefore(userId, beforeSeq, before) : undefined,
    eventsSince: (since) => history.createdSince(since, CATCH_UP_MAX_EVENTS),
    recentFromStore: (count) => history.recent(count),
    currentBalance: async (userId) => (await balances.current(userId))?.message,
    onReceived: (kind) => metrics.brokerReceived(kind),
    feedMissed: (after, through) => history.byCursor(after, through, CATCH_UP_MAX_EVENTS),
    latestCursor: () => history.latestCursor(),
    onError: (what, error) => {
      if (what === 'publish') metrics.publishFailed();
      hubWarnings.warn(`hub: ${what} failed`, { error: String(error) });
    },
    onDropped: (reason, error) => {
      metrics.frameDropped(reason);
      hubWarnings.warn(`broker: frame dropped (${reason})`, { error: String(error) });
    },
    now: () => clock.now(),
  });
  const published = publishPlay(hub);
  const ledger = new Ledger(ledgerStoreFor(db), deps.rng, {
    concurrency: db.dialect === 'sqlite' ? 1 : 4,
    render: renderPlay,
    onSettled: (play, texts) => {
      metrics.played(play.gameType, play.betMinor, play.payoutMinor);
      published(play, texts);
    },
    onAdjusted: publishAdjustment(hub),
    onCommit: (plays, seconds) => metrics.ledgerCommitted(plays, seconds),
    onReleaseError: (error) => hubWarnings.warn('ledger: handing settled plays on failed', { error: String(error) }),
  });
  const games = new GameService(ledger, playLimiter, { minBet: config.MIN_BET, maxBet: config.MAX_BET });
  const fairness = new FairnessService(db.sql, db.dialect, { minBet: config.MIN_BET, maxBet: config.MAX_BET, verifyRatePerSecond: 20, verifyBurst: 40, shared }, clock);
  const quota = new SocketQuota(
    {
      perUser: config.WS_MAX_SOCKETS_PER_USER,
      perAddress: config.WS_MAX_SOCKETS_PER_ADDRESS,
      messageRatePerSecond: config.WS_MESSAGE_RATE_PER_SECOND,
      messageBurst: config.WS_MESSAGE_BURST,
    },
    clock,
  );
  const openRate = new SocketOpenRate(
    {
      userOpensPerMinute: config.WS_USER_OPENS_PER_MINUTE,
      userBurst: config.WS_USER_OPEN_BURST,
      addressOpensPerMinute: config.WS_ADDRESS_OPENS_PER_MINUTE,
      addressBurst: config.WS_ADDRESS_OPEN_BURST,
    },
    clock,
    shared,
  );
  const clusterCaps = new ClusterSocketCaps(shared, { perUser: config.WS_MAX_SOCKETS_PER_USER, perAddress: config.WS_MAX_SOCKETS_PER_ADDRESS });
  const clusterBudget = shared && new SharedRateLimiter('ws_messages', config.WS_MESSAGE_RATE_PER_SECOND, config.WS_MESSAGE_BURST, clock, shared);
  const resumeBudget = new ResumeBudget({ events: config.RESUME_BUDGET_EVENTS, intervalMs: config.RESUME_BUDGET_INTERVAL_SECONDS * 1000 }, clock, shared);
  const purge = setInterval(() => void ledger.purgeExpiredKeys(clock.now()).catch((error) => logger.warn('idempotency purge failed', { error: String(error) })), IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();
  let isShuttingDown = false;
  // Until server.ts has started the hub and presence: a play served before would miss this instance's own sockets.
  let isStarting = true;

  const clientAddress = addressOf(config.TRUSTED_PROXIES && trustedProxies(config.TRUSTED_PROXIES));

  // normalize: false: Elysia would otherwise strip a field the body's schema does not name and
  // play on; a request is taken exactly as sent or refused (400 invalid_body), as documented.
  const app = new Elysia({ websocket: websocketSettings(config), normalize: false })
    .use(requests.plugin)
    .use(httpErrors({ maxBodyBytes: config.MAX_BODY_BYTES, logger, onAnsweredEarly: requests.finish, methodsOf: methodsOf((): readonly ServedRoute[] => app.routes) }))
    .use(corsFor(config.ALLOWED_ORIGINS))
    .use(
      observabilityController({
        metrics,
        metricsToken: config.METRICS_TOKEN,
        database: () => db.sql`SELECT 1`,
        redis: deps.redisPing,
        isShuttingDown: () => isShuttingDown,
        isStarting: () => isStarting,
      }),
    )
    .get('/health', async () => {
      if (isShuttingDown) return errorResponse(503, 'shutting_down', 'the server is shutting down');
      await db.sql`SELECT 1`;
      // Degraded: the broker cannot reach the other instances, or the limits fell back to this
      // instance's own; plays and local delivery go on.
      return { status: hub.isConnected && !limitsFallback.isLocal ? 'ok' : 'degraded' };
    })
    .all('/ws/games', () =>
      errorResponse(410, 'gone', 'this endpoint is gone: use /api/games/ws for a user stream and /api/games/ws/monitor for the admin monitor'),
    )
    .use(authController(auth, tokens, authPerAddress, clientAddress))
    .use(gameListController())
    .use(gamesController(games, tokens))
    .use(historyController(new HistoryService(db.sql), tokens))
    .use(fairnessController(fairness, tokens, clientAddress))
        .use(
      adminController({
        sql: db.sql,
        dialect: db.dialect,
        tokens,
        ledger,
        refreshTokens,
        control,
        broker: hub,
        onAfterCommitError: (what, error) => logger.warn(`admin: ${what} failed`, { error: String(error) }),
        now: () => clock.now(),
      }),
    )
    .use(monitorController())
    .use(docsController((): readonly ServedRoute[] => app.routes, config.PUBLIC_URL))
    .use(
      realtimeController({
        hub,
        clientAddress,
        clusterCaps,
        clusterBudget,
        tokens,
        history,
        balances,
        registry,
        quota,
        openRate,
        metrics,
        logger,
        policy: { allowQueryToken: config.ALLOW_QUERY_TOKEN, allowedOrigins: config.ALLOWED_ORIGINS, publicOrigin: config.PUBLIC_URL && new URL(config.PUBLIC_URL).origin },
        resumeMaxEvents: config.RESUME_MAX_EVENTS,
        resumeBudget,
        isBlocked: blockedCheck(db),
      }),
    );

  return {
    app,
    hub,
    control,
    auth,
    ledger,
    games,
    registry,
    history,
    metrics,
    /** Start-up is done (hub and presence started): /ready may answer 200. */
    markStarted() {
      isStarting = false;
    },
    markShuttingDown() {
      isShuttingDown = true;
    },
    /** Stops everything createApp started. The database is the caller's. */
    async close(): Promise<void> {
      clearInterval(purge);
      registry.close();
      openRate.close();
      resumeBudget.close();
      playLimiter.close();
      clusterBudget?.close();
      authPerAddress.close();
      fairness.close();
      auth.close();
      await control.stop();
      await hub.stop();
    },
  };
}

export type App = ReturnType<typeof createApp>;
