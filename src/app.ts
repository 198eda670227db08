/**
 * createApp(deps): builds the services and wires the controllers. It reads no environment;
 * tests build apps with it directly.
 */
import { Elysia } from 'elysia';
import { authController } from './auth';
import { RefreshTokenStore } from './auth/refresh-tokens';
import { AuthService } from './auth/service';
import { createTokenService } from './auth/tokens';
import type { Config } from './config';
import { gamesController } from './games';
import { cryptoRng, type Rng } from './games/rng';
import { GameService } from './games/service';
import { errorResponse } from './http/errors';
import { httpErrors } from './http';
import { createLogger, type Logger } from './log';
import { createBroker, type Broker } from './realtime/broker';
import { EventHistory } from './realtime/history';
import { Hub } from './realtime/hub';
import { realtimeController, SocketRegistry } from './realtime';
import type { Database } from './storage';
import { Ledger } from './wallet/ledger';
import { toMinor } from './wallet/money';

export type AppDeps = {
  config: Config;
  db: Database;
  rng?: Rng;
  broker?: Broker;
  logger?: Logger;
};

/** Bun's per-server WebSocket settings (per-route ones are ignored: shared/NOTES.md). */
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
  const logger = deps.logger ?? createLogger(config.LOG_LEVEL);
  const tokens = createTokenService({ secret: config.JWT_SECRET, ttlSeconds: config.JWT_TTL_SECONDS });
  const refreshTokens = new RefreshTokenStore(db.sql, config.REFRESH_TTL_SECONDS * 1000);
  const auth = new AuthService({
    sql: db.sql,
    tokens,
    refreshTokens,
    initialBalanceMinor: toMinor(config.INITIAL_BALANCE) ?? Math.round(config.INITIAL_BALANCE * 100),
    passwordMemoryKib: config.PASSWORD_MEMORY_KIB,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    loginLockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
  });
  const hub = new Hub(deps.broker ?? createBroker(config), config.RECENT_EVENTS);
  const history = new EventHistory(db.sql);
  // One transaction in flight on PostgreSQL too: with several, one user's batches commit in
  // sequence order but resolve (and publish) out of it, and a socket drops the late event
  // (seen: tests/realtime/event-order.test.ts). Raise it once publishes are released per user
  // in sequence order.
  const ledger = new Ledger(db.sql, deps.rng ?? cryptoRng(), db.dialect, { concurrency: 1 });
  const games = new GameService(ledger, hub, {
    minBet: config.MIN_BET,
    maxBet: config.MAX_BET,
    playRatePerSecond: config.PLAY_RATE_PER_SECOND,
    playBurst: config.PLAY_BURST,
  });
  const registry = new SocketRegistry(config.WS_SLOW_BYTES);
  let isShuttingDown = false;

  const app = new Elysia({ websocket: websocketSettings(config) })
    .use(httpErrors({ maxBodyBytes: config.MAX_BODY_BYTES, logger, logRequests: config.LOG_LEVEL === 'debug' }))
    .get('/health', async () => {
      if (isShuttingDown) return errorResponse(503, 'shutting_down', 'the server is shutting down');
      await db.sql`SELECT 1`;
      return { status: 'ok' };
    })
    .all('/ws/games', () =>
      errorResponse(410, 'gone', 'this endpoint is gone: use /api/games/ws for a user stream and /api/games/ws/monitor for the admin monitor'),
    )
    .use(authController(auth, tokens, { perMinute: config.AUTH_RATE_PER_MINUTE, burst: config.AUTH_BURST }))
    .use(gamesController(games, tokens))
    .use(
      realtimeController({
        hub,
        tokens,
        history,
        registry,
        options: {
          allowQueryToken: config.ALLOW_QUERY_TOKEN,
          allowedOrigins: config.ALLOWED_ORIGINS,
          messageRatePerSecond: config.WS_MESSAGE_RATE_PER_SECOND,
          messageBurst: config.WS_MESSAGE_BURST,
          slowSocketBytes: config.WS_SLOW_BYTES,
          resumeMaxEvents: config.RESUME_MAX_EVENTS,
        },
      }),
    );

  return {
    app,
    hub,
    auth,
    ledger,
    games,
    registry,
    history,
    logger,
    markShuttingDown() {
      isShuttingDown = true;
    },
  };
}

export type App = ReturnType<typeof createApp>;
