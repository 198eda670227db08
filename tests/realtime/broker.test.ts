import { describe, expect, it } from 'bun:test';
import { createBroker } from '../../src/realtime/backends';
import { startTestRedis } from '../support/redis';

describe('choosing the broker', () => {
  it('uses the in-memory broker when REDIS_URL is unset', () => {
    expect(createBroker({ REDIS_URL: undefined }).name).toBe('memory');
  });

  it('uses the Redis broker when REDIS_URL is set, and it carries messages between instances', async () => {
    const redis = await startTestRedis();
    const [a, b] = [createBroker({ REDIS_URL: redis.url, JWT_SECRET: 'broker test secret' }), createBroker({ REDIS_URL: redis.url, JWT_SECRET: 'broker test secret' })];
    try {
      expect([a.name, b.name]).toEqual(['redis', 'redis']);
      const atB: string[] = [];
      const ignore = () => {};
      await a.start({ onPublication: ignore, onPresence: ignore, onControl: ignore });
      await b.start({ onPublication: (userId, lines) => atB.push(`user:${userId} ${lines.join('\n')}`), onPresence: ignore, onControl: ignore });
      await b.subscribe!('user:7');
      await a.publish('user:7', 'hello');
      for (let i = 0; i < 200 && atB.length === 0; i++) await Bun.sleep(5);
      expect(atB).toEqual(['user:7 hello']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await redis.close();
    }
  });

  it('fails start() when Redis cannot be reached, rather than retrying unseen', async () => {
    const broker = createBroker({ REDIS_URL: 'redis://127.0.0.1:1', JWT_SECRET: 'broker test secret' });
    try {
      const ignore = () => {};
      await expect(broker.start({ onPublication: ignore, onPresence: ignore, onControl: ignore })).rejects.toThrow();
      expect(broker.connected).toBe(false);
    } finally {
      await broker.stop();
    }
  });

  it('stops the real server at start-up with exit code 78 when REDIS_URL comes with an SQLite file', async () => {
    const child = Bun.spawn(['bun', 'src/index.ts'], {
      cwd: `${import.meta.dir}/../..`,
      env: {
        ...process.env,
        PORT: '0',
        // Instances cannot share an SQLite file: refused before anything is opened.
        DATABASE_URL: 'sqlite://:memory:',
        REDIS_URL: 'redis://127.0.0.1:6379',
        JWT_SECRET: 'a-secret-for-the-broker-test-0123456789',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(78);
    expect(stderr).toContain('configuration error: REDIS_URL needs a shared postgres:// DATABASE_URL');
  });
});
