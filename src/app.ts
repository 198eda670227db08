/**
 * createApp(deps): the list of the server's parts, each built in its own module (src/parts/:
 * limits, auth, realtime, ledger), the services on top of them, and the routes; it owns every
 * lifetime it starts: one `close()` stops the limiters, sweeps, timers and the hub. It reads
 * no environment; tests build apps with it directly.
 */
import { addressOf, trustedProxies } from './client-address';
import { Elysia } from 'elysia';
import { adminController } from './admin';
import { authController } from './auth';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { docsController } from './docs';
import { fairnessController } from './fairness-api';
import { FairnessService } from './fairness-api/service';
import { gameListController, gamesController } from './play';
import { historyController } from './history';
import { HistoryService } from './history/service';
import type { Rng } from './games/rng';
import { GameService } from './play/service';
import { httpErrors } from './http';
import { corsFor } from './http/cors';
import { methodsOf, type ServedRoute } from './http/methods';
import { errorResponse } from './errors';
import type { ClusterLimits } from './limits/cluster-limits';
import { createLogger, type Logger } from './log';
import { monitorController } from './monitor';
import { observabilityController, type Ping } from './observability';
import { buildInfo } from './build-info';
import { Metrics } from './metrics';
import { requestObserver } from './observability/requests';
import type { Broker } from './realtime/broker';
import type { Presence } from './realtime/presence/presence';
import type { Database } from './storage';
import { buildAuth } from './parts/auth';
import type { RefreshTokenStore } from './auth/refresh-tokens';
import type { AuthService } from './auth/service';
import type { TokenService } from './access-tokens';
import type { Ledger } from './wallet/ledger';
import { buildLedger } from './parts/ledger';
import { buildLimits, type Limits } from './parts/limits';
import { buildRealtime, type Realtime } from './parts/realtime';

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
  const limits = buildLimits(config, clock, logger, deps.clusterLimits);
  const { tokens, refreshTokens, auth } = buildAuth(config, db, clock, deps.jwtSecret, limits.shared);
  const realtime = buildRealtime({ config, db, clock, logger, metrics, broker: deps.broker, presence: deps.presence, sharedBackends: deps.sharedBackends, shared: limits.shared, instanceId: deps.instanceId });
  const { hub, control } = realtime;
  const { ledger, close: closeLedger } = buildLedger({ db, rng: deps.rng, hub, metrics, warnings: realtime.warnings, logger, clock });
  const games = new GameService(ledger, limits.play, { minBet: config.MIN_BET, maxBet: config.MAX_BET });
  const fairness = new FairnessService(db.sql, db.dialect, { minBet: config.MIN_BET, maxBet: config.MAX_BET, verifyRatePerSecond: 20, verifyBurst: 40, shared: limits.shared }, clock);
  // Until server.ts has started the hub and presence: a play served before would miss this instance's own sockets.
  const state = { isStarting: true, isShuttingDown: false };
  const isDegraded = () => !hub.isConnected || limits.fallback.isLocal;
  const app = routes({ config, db, clock, logger, metrics, state, isDegraded, redisPing: deps.redisPing, tokens, refreshTokens, auth, limits, realtime, ledger, games, fairness });

  return {
    app,
    hub,
    control,
    auth,
    ledger,
    games,
    registry: realtime.registry,
    history: realtime.history,
    metrics,
    /** Start-up is done (hub and presence started): /ready may answer 200. */
    markStarted() {
      state.isStarting = false;
    },
    markShuttingDown() {
      state.isShuttingDown = true;
    },
    /** Stops everything createApp started. The database is the caller's. */
    async close(): Promise<void> {
      closeLedger();
      limits.close();
      fairness.close();
      auth.close();
      await realtime.close();
    },
  };
}

type Parts = {
  config: Config;
  db: Database;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  state: { readonly isStarting: boolean; readonly isShuttingDown: boolean };
  isDegraded: () => boolean;
  redisPing?: Ping;
  tokens: TokenService;
  refreshTokens: RefreshTokenStore;
  auth: AuthService;
  limits: Limits;
  realtime: Realtime;
  ledger: Ledger;
  games: GameService;
  fairness: FairnessService;
};

/** Every route, each controller given the parts it needs. */
function routes(parts: Parts) {
  const { config, db, clock, logger, tokens, ledger, realtime } = parts;
  const clientAddress = addressOf(config.TRUSTED_PROXIES && trustedProxies(config.TRUSTED_PROXIES));
  const served = (): readonly ServedRoute[] => app.routes;
  // normalize: false: Elysia would otherwise strip a field the body's schema does not name and
  // play on; a request is taken exactly as sent or refused (400 invalid_body), as documented.
  const app = withServiceRoutes(new Elysia({ websocket: websocketSettings(config), normalize: false }), { ...parts, served })
    .use(authController(parts.auth, tokens, parts.limits.authPerAddress, clientAddress))
    .use(gameListController())
    .use(gamesController(parts.games, tokens))
    .use(historyController(new HistoryService(db.sql), tokens))
    .use(fairnessController(parts.fairness, tokens, clientAddress))
    .use(
      adminController({
        sql: db.sql,
        dialect: db.dialect,
        tokens,
        ledger,
        refreshTokens: parts.refreshTokens,
        control: realtime.control,
        broker: realtime.hub,
        onAfterCommitError: (what, error) => logger.warn(`admin: ${what} failed`, { error: String(error) }),
        now: () => clock.now(),
      }),
    )
    .use(monitorController())
    .use(docsController(served, config.PUBLIC_URL))
    .use(realtime.controller(tokens, clientAddress));
  return app;
}

/**
 * What every request passes through (request id and log line, errors, body limits, CORS) and
 * the service's own routes: /metrics, /ready, /health, and the old socket path's 410. On the
 * app itself, not a plugin instance, so every hook holds for every route as before.
 */
function withServiceRoutes(app: Elysia, deps: {
  config: Config;
  db: Database;
  metrics: Metrics;
  logger: Logger;
  served: () => readonly ServedRoute[];
  state: { readonly isStarting: boolean; readonly isShuttingDown: boolean };
  redisPing?: Ping;
  /** The broker cannot reach the other instances, or the limits fell back to this instance's own. */
  isDegraded: () => boolean;
}) {
  const { config, db, metrics, logger, state } = deps;
  const requests = requestObserver({ logger, metrics });
  return app
    .use(requests.plugin)
    .use(httpErrors({ maxBodyBytes: config.MAX_BODY_BYTES, logger, onAnsweredEarly: requests.finish, methodsOf: methodsOf(deps.served) }))
    .use(corsFor(config.ALLOWED_ORIGINS))
    .use(
      observabilityController({
        metrics,
        metricsToken: config.METRICS_TOKEN,
        database: () => db.sql`SELECT 1`,
        redis: deps.redisPing,
        isShuttingDown: () => state.isShuttingDown,
        isStarting: () => state.isStarting,
      }),
    )
    .get('/health', async () => {
      if (state.isShuttingDown) return errorResponse(503, 'shutting_down', 'the server is shutting down');
      await db.sql`SELECT 1`;
      // Degraded: plays and local delivery go on.
      return { status: deps.isDegraded() ? 'degraded' : 'ok' };
    })
    .all('/ws/games', () =>
      errorResponse(410, 'gone', 'this endpoint is gone: use /api/games/ws for a user stream and /api/games/ws/monitor for the admin monitor'),
    );
}

export type App = ReturnType<typeof createApp>;
