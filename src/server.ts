/**
 * Starting and stopping a whole server: database, app, hub, listener. `src/index.ts` calls it
 * with the environment's configuration; tests call it with their own.
 */
import { createApp, type AppDeps } from './app';
import { jwtSecret } from './auth/secret';
import type { Config } from './config';
import { BODY_CEILING_BYTES } from './http';
import { createLogger } from './log';
import { createCluster } from './realtime/backends';
import { CloseCode } from './realtime/close-codes';
import { openDatabase } from './storage';

export type RunningServer = {
  url: string;
  port: number;
  app: ReturnType<typeof createApp>;
  /** Graceful: stop accepting, finish in-flight requests, close sockets 1001, close the database. */
  stop(): Promise<void>;
};

export async function startServer(config: Config, overrides: Omit<Partial<AppDeps>, 'config'> = {}): Promise<RunningServer> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  // Before the database: a secret the configuration cannot have stops start-up at once.
  const secret = overrides.jwtSecret ?? jwtSecret(config, logger);
  const cluster = overrides.broker ? { broker: overrides.broker, presence: overrides.presence, close: async () => {} } : createCluster(config);
  const db = overrides.db ?? (await openDatabase(config.DATABASE_URL));
  const built = createApp({ ...overrides, broker: cluster.broker, presence: cluster.presence, redisPing: overrides.redisPing ?? ('ping' in cluster ? cluster.ping : undefined), config, db, logger, jwtSecret: secret });
  const { app, hub, history, auth } = built;

  if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) await auth.ensureAdmin(config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  hub.seedRecent(await history.recent(config.RECENT_EVENTS));

  // MAX_BODY_BYTES is enforced by src/http with a JSON 413; Bun's own cap is only a backstop.
  // Elysia turns reusePort on unless told: off, a taken port is an error, not a shared one.
  app.listen({ port: config.PORT, hostname: config.HOST, maxRequestBodySize: BODY_CEILING_BYTES, reusePort: config.REUSE_PORT });
  const server = app.server!;
  await hub.start((topic, message) => {
    built.registry.noteTraffic();
    built.metrics.deliveredTo(topic.startsWith('monitor') ? 'monitor' : 'user');
    return server.publish(topic, message);
  });
  built.control.start();
  await cluster.presence?.start({
    // A dead instance's users whose last socket was there: one survivor announces them gone.
    onLeave: (userIds) => hub.presence.announceGone(userIds),
    onRejoin: (userIds) => hub.presence.announceBack(userIds),
    onError: (error) => logger.warn('presence failed', { error: String(error) }),
  });
  await hub.presence.refresh();

  const port = server.port!;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  let stopping: Promise<void> | undefined;

  return {
    url,
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
