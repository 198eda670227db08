/**
 * A cluster made the way it is deployed: several `bun src/index.ts` processes sharing one real
 * PostgreSQL database (a fresh one on the test process's cluster) and one real Redis (a
 * `redis-server` of the file's own). Each instance can be stopped (SIGTERM), killed (SIGKILL)
 * and started again; the tests of tests/cluster/ use it to prove delivery, presence and the
 * ledger under faults.
 */
import type { SQL } from 'bun';
import { afterAll, afterEach, beforeAll } from 'bun:test';
import { api, type Api } from './client';
import { readLater } from './lazy';
import { FIRST_USE_TIMEOUT_MS, freshPostgresUrl } from './postgres';
import { spawnServer, type ServerProcess } from './process';
import { startTestRedis, type TestRedis } from './redis';
import { ADMIN_AND_LIMITS, type TestEnv } from './server';
import { closer } from './streams';

export type Instance = ServerProcess & {
  /** Stops the process: SIGTERM (graceful) or SIGKILL (a crash); resolves when it is gone. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
};

export type TestCluster = {
  redis: TestRedis;
  databaseUrl: string;
  instances: Instance[];
  /** A connection of the test's own to the shared database, for audits. */
  sql(): SQL;
  /** Starts one more instance on the same database and Redis, `env` over the cluster's. */
  spawn(env?: TestEnv): Promise<Instance>;
  /** Kills every instance still running, stops Redis, closes the test's connection. */
  close(): Promise<void>;
};

/** What every instance gets: the shared services, the admin, and limits out of the tests' way. */
function clusterEnv(databaseUrl: string, redisUrl: string): TestEnv {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    ...ADMIN_AND_LIMITS,
    LOG_LEVEL: 'warn',
    WS_MAX_SOCKETS_PER_ADDRESS: '1000',
    // Gone sockets' grace and drains stay short: a SIGTERM'd instance exits at once.
    SHUTDOWN_GRACE_MS: '500',
  };
}

/** Starts Redis, a fresh database, and `count` instances at once (in `instances` as they came up). */
export async function startCluster(count: number, env: TestEnv = {}): Promise<TestCluster> {
  const [redis, databaseUrl] = await Promise.all([startTestRedis(), freshPostgresUrl()]);
  const instances: Instance[] = [];
  let connection: SQL | undefined;
  const spawn = async (extra: TestEnv = {}): Promise<Instance> => {
    const process = await spawnServer({ ...clusterEnv(databaseUrl, redis.url), ...env, ...extra }, 20_000);
    const instance: Instance = {
      ...process,
      async stop(signal = 'SIGTERM') {
        if (process.proc.exitCode === null && process.proc.signalCode === null) process.proc.kill(signal);
        await process.proc.exited;
      },
    };
    instances.push(instance);
    return instance;
  };
  try {
    // At once, as a deployment starts them: the migrations' lock lets one migrate, the rest wait.
    await Promise.all(Array.from({ length: count }, () => spawn()));
  } catch (error) {
    for (const instance of instances) await instance.stop('SIGKILL');
    await redis.close();
    throw error;
  }
  return {
    redis,
    databaseUrl,
    instances,
    sql: () => (connection ??= new Bun.SQL(databaseUrl)),
    spawn,
    async close() {
      await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
      await connection?.close();
      await redis.close();
    },
  };
}

/** Polls an async `condition` every 25 ms until it holds; throws `what` (and the last value) after `timeoutMs`. */
export async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await Bun.sleep(25);
  }
}

export type ClusterSuite = {
  readonly cluster: TestCluster;
  /** One REST client per instance started in beforeAll, in order. */
  readonly clients: Api[];
  readonly adminToken: string;
  /** Sockets a test opened, closed after each test. */
  readonly sockets: ReturnType<typeof closer>;
};

/** A file's cluster of `count` instances: started before its tests, killed after them. */
export function useCluster(count: number, env: TestEnv = {}): ClusterSuite {
  let state: { cluster: TestCluster; clients: Api[]; adminToken: string } | undefined;
  const sockets = closer();
  beforeAll(async () => {
    const cluster = await startCluster(count, env);
    const clients = cluster.instances.map((instance) => api(instance.url));
    state = { cluster, clients, adminToken: (await clients[0]!.loginAdmin()).access_token };
  }, FIRST_USE_TIMEOUT_MS);
  afterEach(() => sockets.closeAll());
  afterAll(async () => state?.cluster.close());
  return readLater(() => state, ['cluster', 'clients', 'adminToken'], 'the cluster starts in beforeAll', { sockets });
}
