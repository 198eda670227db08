/** Start-up: configuration, server, and a graceful stop on SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startServer } from './server';

/** A configuration the server cannot run with ends the process with its message, not a stack. */
function exitOnConfigError(error: unknown): never {
  if (error instanceof ConfigError) {
    // Before the configuration there is no LOG_LEVEL: this one line is always printed.
    createLogger('error').error(`configuration error: ${error.message}`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
}

let config;
try {
  config = loadConfig();
} catch (error) {
  exitOnConfigError(error);
}

const logger = createLogger(config.LOG_LEVEL);
const server = await startServer(config, { logger }).catch(exitOnConfigError);

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
logger.announce(`listening on ${server.url}`, { port: server.port, database: config.DATABASE_URL.split(':')[0], broker: server.app.hub.brokerName });
