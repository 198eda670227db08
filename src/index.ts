/** Start-up: configuration, server, and a graceful stop on SIGTERM/SIGINT. */
import { ConfigError, loadConfig, type Config } from './config';
import { createLogger } from './log';
import { startServer } from './server';
import { isDatabaseUnavailable } from './storage/unavailable';

/**
 * What stops start-up for a reason the operator must fix (configuration, database, port) ends
 * the process with one line naming the setting, not a stack.
 */
function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`configuration error: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  if (isDatabaseUnavailable(error)) {
    // The URL itself may hold a password: name the variable, not its value.
    console.error(`database unavailable: cannot connect to the database DATABASE_URL names (${(error as Error).message})`);
    process.exit(69); // EX_UNAVAILABLE
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`port in use: another process already listens on PORT=${config.PORT} (set REUSE_PORT=true only to share it on purpose)`);
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
console.log(`listening on ${server.url}`);
logger.info('started', { port: server.port, database: config.DATABASE_URL.split(':')[0], broker: server.app.hub.brokerName });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    logger.info('shutting down', { signal });
    server.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  });
}
