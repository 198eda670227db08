/**
 * The shared services of the cluster scenario: one PostgreSQL and one Redis for the whole
 * harness run, started on first use with the test support's own start logic (Debian's
 * PostgreSQL binaries, Debian's redis-server, temporary directories, free ports) and stopped
 * by `stopServices()`. Neither may outlive the harness: PostgreSQL's test cluster removes
 * itself once this process is gone, and Redis gets the same watcher here.
 *
 * PostgreSQL runs as the tests run it, with `fsync=off`: the cluster scenario compares two
 * instances with one on the same database, not PostgreSQL's durability with SQLite's.
 */
import { freshPostgresUrl, postgresBinDir, runWhenGone } from "../../tests/support/postgres.ts";
import { startTestRedis, type TestRedis } from "../../tests/support/redis.ts";

/** Why the services cannot start here (a binary is missing, with how to install it), or undefined. */
export function missingServices(): string | undefined {
  try {
    postgresBinDir();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return Bun.which("redis-server") ? undefined : "redis-server is not installed: apt-get install redis-server";
}

let redis: Promise<TestRedis> | undefined;
let postgresUrl: Promise<string> | undefined;

/** The run's Redis URL, started on first use. */
export async function redisUrl(): Promise<string> {
  redis ??= startTestRedis(30_000).then((started) => {
    runWhenGone(`redis-cli -p ${started.port} shutdown nosave`);
    return started;
  });
  return (await redis).url;
}

/**
 * One database on the run's PostgreSQL (started on first use), shared by whoever asks: the
 * cluster and its one-instance reference play on the same store.
 */
export function sharedPostgresDatabase(): Promise<string> {
  postgresUrl ??= freshPostgresUrl();
  return postgresUrl;
}

export async function stopServices(): Promise<void> {
  const running = redis;
  redis = undefined;
  await (await running?.catch(() => undefined))?.close();
}
