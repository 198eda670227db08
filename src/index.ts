/** Start-up: configuration, server, and a graceful stop on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './log';
import { ClusterMismatchError } from './realtime/cluster-settings';
import { isRedisUnavailable } from './realtime/broker/redis';
import { startServer } from './server';
import { isDatabaseUnavailable } from './storage/unavailable';

/**
 * What stops start-up for a reason the operator must fix (configuration, a database or Redis
 * still unreachable when STARTUP_WAIT_SECONDS ran out, port) ends the process with one line
 * naming the setting, not a stack.
 */
function exitOnStartupError(error: unknown): never {
  // Before (or without) the configuration there is no LOG_LEVEL: this one line is always printed.
  const log = createLogger('error');
  if (error instanceof ConfigError) {
    log.error(`configuration error: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  if (error instanceof ClusterMismatchError) {
    log.error(`configuration error: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  if (isDatabaseUnavailable(error)) {
    // The URL itself may hold a password: name the variable, not its value.
    log.error(`database unavailable: cannot connect to the database DATABASE_URL names within STARTUP_WAIT_SECONDS=${config.STARTUP_WAIT_SECONDS} (${(error as Error).message})`);
    process.exit(69); // EX_UNAVAILABLE
  }
  if (isRedisUnavailable(error)) {
    log.error(`redis unavailable: cannot connect to the Redis REDIS_URL names within STARTUP_WAIT_SECONDS=${config.STARTUP_WAIT_SECONDS} (${(error as Error).message})`);
    process.exit(69); // EX_UNAVAILABLE
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    log.error(`port in use: another process already listens on PORT=${config.PORT} (set REUSE_PORT=true only to share it on purpose)`);
    process.exit(69); // EX_UNAVAILABLE
  }
  throw error;
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  exitOnStartupError(error);
}

const logger = createLogger(config.LOG_LEVEL);
const server = await startServer(config, { logger }).catch(exitOnStartupError);

let isStopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal while stopping changes nothing: one stop, logged once.
    if (isStopping) return;
    isStopping = true;
    logger.announce('shutting down', { signal });
    server.stop().then(
      () => {
        logger.announce('stopped');
        process.exit(0);
      },
      (error) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}

// After the handlers: whoever waits for this line may signal at once.
logger.announce(`listening on ${server.address}`, { port: server.port, database: config.DATABASE_URL.split(':')[0], broker: server.app.hub.brokerName });
