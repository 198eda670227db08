/**
 * Start-up refusals an operator must fix, on the real entry point (`bun src/index.ts`): one
 * line naming the setting, no stack trace, a non-zero exit. A database that cannot be reached,
 * and a port another process already listens on (no silent sharing: REUSE_PORT is off).
 */
import { describe, expect, it } from 'bun:test';
import { createServer } from 'node:net';
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

describe('start-up', () => {
  it('with an unreachable PostgreSQL prints one line naming DATABASE_URL and exits non-zero', async () => {
    const url = `postgres://games:s3cret-pass@127.0.0.1:${await closedPort()}/games`;
    const { exitCode, stdout, stderr } = await failedStart({ DATABASE_URL: url });
    expect(exitCode).not.toBe(0);
    expect(stdout).not.toContain('listening on');
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain('DATABASE_URL');
    expect(stderr).not.toContain('s3cret-pass');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

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
