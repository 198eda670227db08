/**
 * Starts the real server on port 0 with a fresh SQLite file (or a given one, for restart tests)
 * and hands out REST and WebSocket helpers bound to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import type { Clock } from '../../src/clock';
import type { Rng } from '../../src/games/rng';
import type { Broker } from '../../src/realtime/broker/broker';
import { startServer, type RunningServer } from '../../src/server';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const ADMIN = { username: 'admin', password: 'admin-password' };

export type TestServer = RunningServer & {
  config: Config;
  dir: string;
  /** Stops the server and deletes its files (unless the directory was handed in). */
  close(): Promise<void>;
};

/** Environment overrides as strings, exactly as the process would see them. */
export type TestEnv = Record<string, string | undefined>;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'games-test-'));
}

export async function startTestServer(env: TestEnv = {}, options: { dir?: string; rng?: Rng; broker?: Broker; clock?: Clock } = {}): Promise<TestServer> {
  const dir = options.dir ?? tempDir();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}`,
    JWT_SECRET: TEST_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    // Cheap hashing keeps signup fast in tests; the cost itself is configuration.
    PASSWORD_MEMORY_KIB: '1024',
    PLAY_RATE_PER_SECOND: '1000',
    PLAY_BURST: '1000',
    AUTH_RATE_PER_MINUTE: '100000',
    AUTH_BURST: '1000',
    ...env,
  });
  const server = await startServer(config, { rng: options.rng, broker: options.broker, clock: options.clock });
  return {
    ...server,
    config,
    dir,
    async close() {
      await server.stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Servers started one after another on one database directory, as restarts of one deployment
 * are. `start()` stops the running one (gracefully) and starts the next; `close()` stops the
 * last and deletes the files.
 */
export function restartableServer(env: TestEnv = {}) {
  const dir = tempDir();
  let current: TestServer | undefined;
  return {
    dir,
    async start(): Promise<TestServer> {
      await current?.close();
      current = await startTestServer(env, { dir });
      return current;
    },
    async close(): Promise<void> {
      await current?.close();
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
