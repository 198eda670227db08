/**
 * Starting and stopping a whole server: database, app, hub, listener. `src/index.ts` calls it
 * with the environment's configuration; tests call it with their own.
 */
import { createApp, type AppDeps } from './app';
import { jwtSecret } from './auth/secret';
import type { Config } from './config';
import { BODY_CEILING_BYTES } from './http';
import { systemClock } from './clock';
import { dependencyWait, type Dependency } from './dependency-wait';
import { createLogger } from './log';
import { createCluster } from './realtime/backends';
import { BunTopics } from './realtime/bun-topics';
import { isRedisUnavailable } from './realtime/broker/redis';
import { CloseCode } from '../client/protocol/close-codes';
import { openDatabase } from './storage';
import { isDatabaseUnavailable } from './storage/unavailable';

export type RunningServer = {
  /** Where this host reaches the server: `address` with a wildcard host made loopback. */
  url: string;
  /** The address bound, as printed at start (`http://0.0.0.0:8000` when bound to every interface). */
  address: string;
  port: number;
  app: ReturnType<typeof createApp>;
  /** Graceful: stop accepting, finish in-flight requests, close sockets 1001, close the database. */
  stop(): Promise<void>;
};

/** What start-up waits for when it is not there yet (src/dependency-wait.ts). */
const DATABASE: Dependency = { name: 'the database', setting: 'DATABASE_URL', isUnavailable: isDatabaseUnavailable };
const REDIS: Dependency = { name: 'Redis', setting: 'REDIS_URL', isUnavailable: isRedisUnavailable };

export async function startServer(config: Config, overrides: Omit<Partial<AppDeps>, 'config'> = {}): Promise<RunningServer> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  // Before the database: a secret the configuration cannot have stops start-up at once.
  const secret = overrides.jwtSecret ?? jwtSecret(config, logger);
  const cluster = overrides.broker ? { broker: overrides.broker, presence: overrides.presence, close: async () => {} } : createCluster(config);
  // A dependency down or killed while the instance starts is waited for, not fatal, until the
  // deadline: wall time, whatever clock the app is given.
  const waitFor = dependencyWait({ deadline: systemClock.now() + config.STARTUP_WAIT_SECONDS * 1000, logger, clock: systemClock });
  // Before anything is opened: an instance whose settings differ from the cluster's never serves.
  const join = 'join' in cluster ? cluster.join : undefined;
  if (join) {
    logger.info('start-up: checking the settings every instance must share against the cluster (Redis)');
    await waitFor(REDIS, join).catch(async (error) => {
      await cluster.close();
      throw error;
    });
  }
  const db = overrides.db ?? (await waitFor(DATABASE, () => openDatabase(config.DATABASE_URL)));
  const built = createApp({ ...overrides, broker: cluster.broker, presence: cluster.presence, redisPing: overrides.redisPing ?? ('ping' in cluster ? cluster.ping : undefined), clusterLimits: overrides.clusterLimits ?? ('limits' in cluster ? cluster.limits : undefined), sharedBackends: overrides.sharedBackends ?? ('isShared' in cluster && cluster.isShared), config, db, logger, jwtSecret: secret });
  const { app, hub, history, auth } = built;

  if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) await waitFor(DATABASE, () => auth.ensureAdmin(config.ADMIN_USERNAME!, config.ADMIN_PASSWORD!));
  hub.seedRecent(await waitFor(DATABASE, () => history.recent(config.RECENT_EVENTS)));

  // MAX_BODY_BYTES is enforced by src/http with a JSON 413; Bun's own cap is only a backstop.
  // Elysia turns reusePort on unless told: off, a taken port is an error, not a shared one.
  app.listen({ port: config.PORT, hostname: config.HOST, maxRequestBodySize: BODY_CEILING_BYTES, reusePort: config.REUSE_PORT });
  const server = app.server!;
  // From here /ready answers (503 until the end of start-up), so the probes see an instance starting.
  await waitFor(REDIS, () => hub.start(new BunTopics(server, built.registry, built.metrics)));
  const presence = cluster.presence;
  if (presence) {
    await waitFor(REDIS, () =>
      presence.start({
        // A dead instance's users whose last socket was there: one survivor announces them gone.
        onLeave: (userIds) => hub.presence.announceGone(userIds),
        onRejoin: (userIds) => hub.presence.announceBack(userIds),
        onError: (error) => logger.warn('presence failed', { error: String(error) }),
      }),
    );
  }
  await waitFor(REDIS, () => hub.presence.refresh());
  built.control.start();
  built.markStarted();

  const port = server.port!;
  const address = server.url.href.replace(/\/$/, '');
  const url = reachableUrl(address);
  let stopping: Promise<void> | undefined;

  return {
    url,
    address,
    port,
    app: built,
    stop: () =>
      (stopping ??= (async () => {
        built.markShuttingDown();
        // Stop listening; requests already inside (plays mid-transaction) run to the end.
        const drained = server.stop(false);
        built.registry.closeAll(CloseCode.GOING_AWAY, 'server shutting down');
        await Promise.race([drained, Bun.sleep(config.SHUTDOWN_GRACE_MS)]);
        // Whatever the grace period left running, a play the ledger took finishes before the
        // database closes: no play half-done, and none failed by the close.
        await built.ledger.settled();
        // Whoever had their last socket here is gone: say so before the broker goes.
        const gone = (await cluster.presence?.stop().catch(() => [])) ?? [];
        hub.presence.announceGone(gone);
        await built.close();
        await cluster.close();
        if (!overrides.db) await db.close();
      })()),
  };
}

/**
 * A bound address as a URL a client on this host can connect to: a wildcard (`0.0.0.0`, `[::]`)
 * names no host to connect to, so its loopback stands in.
 */
export function reachableUrl(address: string): string {
  return address.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}
