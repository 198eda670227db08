/**
 * Start-up refusals an operator must fix, on the real entry point (`bun src/index.ts`): one
 * line naming the setting, no stack trace, a non-zero exit. A database or a Redis still not
 * reachable when STARTUP_WAIT_SECONDS runs out (waited for until then, tests/cluster/
 * dependency-kill.test.ts), and a port another process already listens on (no silent sharing:
 * REUSE_PORT is off).
 */
import { describe, expect, it } from 'bun:test';
import { createServer } from 'node:net';
import { FIRST_USE_TIMEOUT_MS, freshPostgresUrl } from './support/postgres';
import { failedStart, spawnServer } from './support/process';
import { ADMIN, testStore } from './support/server';

/** A local port nothing listens on: bound, read, released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/**
 * A dependency that never answered: start-up said it was waiting (never the password in the
 * URL), then one line naming the setting, exit 69 (EX_UNAVAILABLE), no stack trace.
 */
function expectWaitedThenRefused(outcome: { exitCode: number; stdout: string; stderr: string }, expected: { waiting: string; refusal: string; setting: string }): void {
  expect(outcome.exitCode).toBe(69);
  expect(outcome.stdout).not.toContain('listening on');
  const [last, ...waiting] = lines(outcome.stderr).reverse();
  expect(last).toContain(expected.refusal);
  expect(last).toContain(expected.setting);
  expect(waiting.length).toBeGreaterThanOrEqual(1);
  for (const line of waiting) expect(JSON.parse(line).msg).toBe(expected.waiting);
  expect(outcome.stderr).not.toContain('s3cret-pass');
  expect(outcome.stderr).not.toMatch(/\n\s+at /);
}

describe('start-up', () => {
  it('with an unreachable PostgreSQL waits STARTUP_WAIT_SECONDS, saying so, then prints one line naming DATABASE_URL and exits 69', async () => {
    const url = `postgres://games:s3cret-pass@127.0.0.1:${await closedPort()}/games`;
    const outcome = await failedStart({ DATABASE_URL: url, STARTUP_WAIT_SECONDS: '1', LOG_LEVEL: 'warn' });
    expectWaitedThenRefused(outcome, { waiting: 'start-up waiting for the database (DATABASE_URL)', refusal: 'database unavailable', setting: 'DATABASE_URL' });
  }, 30_000);

  it('with an unreachable Redis waits STARTUP_WAIT_SECONDS, saying so, then prints one line naming REDIS_URL and exits 69', async () => {
    const redisUrl = `redis://:s3cret-pass@127.0.0.1:${await closedPort()}`;
    const outcome = await failedStart({ DATABASE_URL: await freshPostgresUrl(), REDIS_URL: redisUrl, STARTUP_WAIT_SECONDS: '1', LOG_LEVEL: 'warn' });
    expectWaitedThenRefused(outcome, { waiting: 'start-up waiting for Redis (REDIS_URL)', refusal: 'redis unavailable', setting: 'REDIS_URL' });
  }, FIRST_USE_TIMEOUT_MS);

  it('with REDIS_URL but no JWT_SECRET exits 78 with one line naming JWT_SECRET, instead of inventing a secret of its own', async () => {
    // A generated secret is per process here (no SQLite file to keep it beside): behind a load
    // balancer every other instance would refuse its tokens. Nothing is reached before the check.
    const { exitCode, stdout, stderr } = await failedStart({ DATABASE_URL: 'postgres://games@127.0.0.1:1/games', REDIS_URL: 'redis://127.0.0.1:1', JWT_SECRET: '' });
    expect(exitCode).toBe(78);
    expect(stdout).not.toContain('listening on');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain('JWT_SECRET');
    expect(stderr).toContain('REDIS_URL');
  }, 30_000);

  it('on a port another process listens on fails with one line naming PORT, exit non-zero', async () => {
    const store = await testStore('sqlite');
    const first = await spawnServer({ DATABASE_URL: store.url, ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    try {
      const port = new URL(first.url).port;
      const second = await failedStart({ DATABASE_URL: store.url, PORT: port });
      expect(second.exitCode).not.toBe(0);
      expect(second.stdout).not.toContain('listening on');
      expect(lines(second.stderr)).toHaveLength(1);
      expect(second.stderr).toContain(`PORT=${port}`);
      // The first still answers, alone on its port.
      expect((await fetch(`${first.url}/health`)).status).toBe(200);
    } finally {
      first.proc.kill();
      await first.proc.exited;
      await store.remove();
    }
  }, 30_000);
});
