import { describe, expect, it } from 'bun:test';
import { ConfigError } from '../../src/config';
import { createBroker } from '../../src/realtime/broker';

describe('choosing the broker', () => {
  it('uses the in-memory broker when REDIS_URL is unset', () => {
    expect(createBroker({ REDIS_URL: undefined }).name).toBe('memory');
  });

  it('refuses REDIS_URL rather than quietly keeping events per instance', () => {
    expect(() => createBroker({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(ConfigError);
    expect(() => createBroker({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/^REDIS_URL/);
  });

  it('stops the real server at start-up with exit code 78 and a message naming REDIS_URL', async () => {
    const child = Bun.spawn(['bun', 'src/index.ts'], {
      cwd: `${import.meta.dir}/../..`,
      env: {
        ...process.env,
        PORT: '0',
        // Never reached: the broker is chosen before the database is opened.
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:6379',
        JWT_SECRET: 'a-secret-for-the-broker-test-0123456789',
      },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(78);
    expect(stderr).toContain('configuration error: REDIS_URL');
  });
});
