/**
 * /ready is 200 only while what the server needs answers: the database always, and Redis
 * where one is configured; else 503 with the error shape. Real dependencies, closed for real.
 */
import { describe, expect, it } from 'bun:test';
import { RedisClient, type Subprocess } from 'bun';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { startServer } from '../../src/server';
import { openDatabase } from '../../src/storage';
import { tempDir, TEST_SECRET } from '../support/server';

function configIn(dir: string) {
  return loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}`, JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' });
}

async function ready(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: await response.json() };
}

/** A real redis-server on a free port; a missing binary fails the test saying how to install it. */
async function startRedis(): Promise<{ url: string; proc: Subprocess }> {
  const binary = Bun.which('redis-server');
  if (!binary) throw new Error('redis-server is not installed: apt-get install redis-server');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const proc = Bun.spawn([binary, '--port', String(port), '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    const probe = new RedisClient(url, { enableOfflineQueue: false, autoReconnect: false });
    try {
      await probe.connect();
      await probe.send('PING', []);
      return { url, proc };
    } catch {
      await Bun.sleep(20);
    } finally {
      probe.close();
    }
  }
  proc.kill();
  throw new Error(`redis-server did not answer on port ${port}`);
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

  it('asks Redis where it is configured: 200 while it answers, 503 once it is gone', async () => {
    const dir = tempDir();
    const redis = await startRedis();
    // No queueing while Redis is away: a ping then fails at once instead of waiting it out.
    const client = new RedisClient(redis.url, { enableOfflineQueue: false });
    await client.connect();
    const server = await startServer(configIn(dir), { redisPing: () => client.send('PING', []) });
    try {
      expect(await ready(server.url)).toEqual({ status: 200, body: { status: 'ready' } });
      redis.proc.kill();
      await redis.proc.exited;
      expect(await ready(server.url)).toEqual({ status: 503, body: { error: { code: 'not_ready', message: 'Redis does not answer' } } });
    } finally {
      redis.proc.kill();
      client.close();
      await server.stop();
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
