/**
 * Starting and stopping a whole server: database, app, hub, listener. `src/index.ts` calls it
 * with the environment's configuration; tests call it with their own.
 */
import { createApp, type AppDeps } from './app';
import type { Config } from './config';
import { BODY_CEILING_BYTES } from './http';
import { createBroker } from './realtime/broker';
import { openDatabase } from './storage';
import { CloseCode } from './realtime/close-codes';

export type RunningServer = {
  url: string;
  port: number;
  app: ReturnType<typeof createApp>;
  /** Graceful: stop accepting, finish in-flight requests, close sockets 1001, close the database. */
  stop(): Promise<void>;
};

const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export async function startServer(config: Config, overrides: Omit<Partial<AppDeps>, 'config'> = {}): Promise<RunningServer> {
  // Before the database: a broker the configuration cannot have stops start-up at once.
  const broker = overrides.broker ?? createBroker(config);
  const db = overrides.db ?? (await openDatabase(config.DATABASE_URL));
  const built = createApp({ ...overrides, broker, config, db });
  const { app, hub, history, auth, ledger, logger } = built;

  if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD) await auth.ensureAdmin(config.ADMIN_USERNAME, config.ADMIN_PASSWORD);
  hub.seedRecent(await history.recent(config.RECENT_EVENTS));

  // MAX_BODY_BYTES is enforced by src/http with a JSON 413; Bun's own cap is only a backstop.
  // Elysia turns reusePort on unless told: off, a taken port is an error, not a shared one.
  app.listen({ port: config.PORT, hostname: config.HOST, maxRequestBodySize: BODY_CEILING_BYTES, reusePort: config.REUSE_PORT });
  const server = app.server!;
  await hub.start((topic, message) => {
    built.registry.noteTraffic();
    return server.publish(topic, message);
  });
  const purge = setInterval(() => void ledger.purgeExpiredKeys().catch((error) => logger.warn('idempotency purge failed', { error: String(error) })), IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();

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
        built.registry.stop();
        built.games.close();
        built.auth.close();
        clearInterval(purge);
        await hub.stop();
        if (!overrides.db) await db.close();
      })()),
  };
}
