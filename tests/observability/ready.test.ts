/**
 * /ready is 200 only once the server has started and while what it needs answers: the
 * database always, and Redis where one is configured; else 503 with the error shape. Real
 * dependencies, closed for real.
 */
import { describe, expect, it } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/server';
import { openDatabase } from '../../src/storage';
import { eventually } from '../support/cluster';
import { FIRST_USE_TIMEOUT_MS } from '../support/postgres';
import { startTestRedis } from '../support/redis';
import { startTestServer, tempDir, TEST_SECRET } from '../support/server';

function configIn(dir: string) {
  return loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}`, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
}

async function ready(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: await response.json() };
}

describe('GET /ready', () => {
  it('is 200 while the database answers, and 503 once it is closed', async () => {
    const dir = tempDir();
    const db = await openDatabase(`sqlite://${join(dir, 'games.sqlite')}`);
    const server = await startServer(configIn(dir), { db });
    try {
      expect(await ready(server.url)).toEqual({ status: 200, body: { status: 'ready' } });
      await db.close();
      expect(await ready(server.url)).toEqual({ status: 503, body: { error: { code: 'not_ready', message: 'the database does not answer' } } });
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks Redis where it is configured: 200 while it answers, 503 once it is gone, 200 when it is back', async () => {
    const redis = await startTestRedis();
    // The real wiring: REDIS_URL (beside a shared PostgreSQL) gives /ready its ping.
    const server = await startTestServer({ REDIS_URL: redis.url }, { engine: 'postgres' });
    try {
      expect(await ready(server.url)).toEqual({ status: 200, body: { status: 'ready' } });
      await redis.stop();
      expect(await ready(server.url)).toEqual({ status: 503, body: { error: { code: 'not_ready', message: 'Redis does not answer' } } });
      await redis.start();
      await eventually(() => ready(server.url), (answer) => answer.status === 200, '/ready to answer 200 again');
    } finally {
      await server.close();
      await redis.close();
    }
  }, FIRST_USE_TIMEOUT_MS);

  it('is 503 "starting" until start-up is done (hub and presence started), even with the database up', async () => {
    // createApp alone is an app server.ts has not started: a play it took would miss this instance's own sockets.
    const dir = tempDir();
    const db = await openDatabase(`sqlite://${join(dir, 'games.sqlite')}`);
    const app = createApp({ config: configIn(dir), db, jwtSecret: TEST_SECRET });
    const answer = async () => {
      const response = await app.app.handle(new Request('http://app.test/ready'));
      return { status: response.status, body: await response.json() };
    };
    try {
      expect(await answer()).toEqual({ status: 503, body: { error: { code: 'not_ready', message: 'the server is starting' } } });
      app.markStarted();
      expect(await answer()).toEqual({ status: 200, body: { status: 'ready' } });
    } finally {
      await app.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is 503 while the server shuts down, even with the database up', async () => {
    const dir = tempDir();
    const server = await startServer(configIn(dir));
    try {
      server.app.markShuttingDown();
      expect((await ready(server.url)).body.error.code).toBe('shutting_down');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
