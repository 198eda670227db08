/**
 * The one way tests start a server: `startTestServer` runs the real server on port 0 over a
 * store of the chosen engine (a fresh SQLite file, or a fresh database on the test process's
 * PostgreSQL) and hands back its URL and app. `useServer` (tests/support/suite.ts) wraps it in
 * a file's beforeAll/afterAll; `restart()` starts the next server on the same store.
 */
import { SQL } from 'bun';
import { beforeAll, describe } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import type { Clock } from '../../src/clock';
import type { Rng } from '../../src/games/rng';
import type { Broker } from '../../src/realtime/broker/broker';
import type { Presence } from '../../src/realtime/presence/presence';
import { startServer, type RunningServer } from '../../src/server';
import { FIRST_USE_TIMEOUT_MS, freshPostgresUrl, postgresCluster } from './postgres';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const ADMIN = { username: 'admin', password: 'admin-password' };

/** What every test server gets, in process or not: the admin, and rate limits out of the tests' way. */
export const ADMIN_AND_LIMITS: TestEnv = {
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  PLAY_RATE_PER_SECOND: '1000',
  PLAY_BURST: '1000',
  AUTH_RATE_PER_MINUTE: '100000',
  AUTH_BURST: '1000',
  WS_USER_OPENS_PER_MINUTE: '60000',
  WS_USER_OPEN_BURST: '1000',
  WS_ADDRESS_OPENS_PER_MINUTE: '600000',
  WS_ADDRESS_OPEN_BURST: '10000',
  // A leave at once, as the presence tests expect; tests/realtime/presence-grace.test.ts runs the grace.
  WS_PRESENCE_GRACE_MS: '0',
};

export type Engine = 'sqlite' | 'postgres';
/** What storage tests run against (`describeEngines`). */
const ENGINES: Engine[] = ['sqlite', 'postgres'];

/**
 * `describe.each(ENGINES)`, with `%s` in the title for the engine. The PostgreSQL block starts
 * the test cluster first, in a hook given the time initdb may take, so no test's own timeout
 * pays for it.
 */
export function describeEngines(title: string, body: (engine: Engine) => void): void {
  describe.each(ENGINES)(title, (engine) => {
    if (engine === 'postgres') beforeAll(async () => void (await postgresCluster()), FIRST_USE_TIMEOUT_MS);
    body(engine);
  });
}

/** Where a server keeps its data, and a direct connection for tests that audit it. */
export type TestStore = {
  engine: Engine;
  url: string;
  /** A temp directory (the SQLite file lives in it; other files a test writes may too). */
  dir: string;
  /** A connection of the test's own to the same database, opened on first use. */
  sql(): SQL;
  /** Closes the test's connection and deletes the directory. */
  remove(): Promise<void>;
};

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'games-test-'));
}

export async function testStore(engine: Engine = 'sqlite', dir = tempDir()): Promise<TestStore> {
  const url = engine === 'postgres' ? await freshPostgresUrl() : `sqlite://${join(dir, 'games.sqlite')}`;
  let connection: SQL | undefined;
  return {
    engine,
    url,
    dir,
    sql: () => (connection ??= new SQL(url)),
    async remove() {
      await connection?.close();
      connection = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type TestServer = RunningServer & {
  config: Config;
  store: TestStore;
  dir: string;
  /** Stops the server and removes its store (unless the store was handed in). */
  close(): Promise<void>;
  /** Stops the server gracefully and starts the next one on the same store, as a redeploy does. */
  restart(): Promise<TestServer>;
};

/** Environment overrides as strings, exactly as the process would see them. */
export type TestEnv = Record<string, string | undefined>;

export type TestServerOptions = {
  engine?: Engine;
  /** A store to start on (a restart); it outlives the server. */
  store?: TestStore;
  /** A directory for a new SQLite store; it outlives the server. */
  dir?: string;
  rng?: Rng;
  broker?: Broker;
  /** Cluster presence beside `broker` (one per instance, on a shared store). */
  presence?: Presence;
  /** Time for limiters, tokens and sweeps (tests/support/clock.ts ManualClock). */
  clock?: Clock;
};

/** The configuration of a test server on `store`: the environment it would see, with `env` over it. */
export function testConfig(store: TestStore, env: TestEnv = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: store.url,
    JWT_SECRET: TEST_SECRET,
    ...ADMIN_AND_LIMITS,
    LOG_LEVEL: 'silent',
    // Cheap hashing keeps signup fast in tests; the cost itself is configuration.
    PASSWORD_MEMORY_KIB: '1024',
    ...env,
  });
}

export async function startTestServer(env: TestEnv = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const store = options.store ?? (await testStore(options.engine, options.dir));
  return startOn(store, !options.store && !options.dir, env, options);
}

async function startOn(store: TestStore, isOwnStore: boolean, env: TestEnv, options: TestServerOptions): Promise<TestServer> {
  const config = testConfig(store, env);
  const server = await startServer(config, { rng: options.rng, broker: options.broker, presence: options.presence, clock: options.clock });
  return {
    ...server,
    config,
    store,
    dir: store.dir,
    async close() {
      await server.stop();
      if (isOwnStore) await store.remove();
    },
    async restart() {
      await server.stop();
      return startOn(store, isOwnStore, env, options);
    },
  };
}

/**
 * One deployment restarted in turn, as a rolling restart does: `start()` starts the first
 * server, then stops the running one and starts the next on the same store; `close()` stops
 * the last and removes the store.
 */
export function restartableServer(env: TestEnv = {}, options: TestServerOptions = {}) {
  let current: TestServer | undefined;
  return {
    async start(): Promise<TestServer> {
      current = current ? await current.restart() : await startTestServer(env, options);
      return current;
    },
    async close(): Promise<void> {
      await current?.close();
      current = undefined;
    },
  };
}
