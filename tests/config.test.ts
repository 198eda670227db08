import { describe, expect, it } from 'bun:test';
import { ConfigError, loadConfig } from '../src/config';

const base = { JWT_SECRET: 'a-secret-for-config-tests-0123456789', DATABASE_URL: 'sqlite://:memory:', LOG_LEVEL: 'silent' };

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      JWT_TTL_SECONDS: 900,
      INITIAL_BALANCE: 1000,
      RECENT_EVENTS: 100,
      ALLOW_QUERY_TOKEN: true,
      REUSE_PORT: false,
      WS_USER_OPENS_PER_MINUTE: 60,
      WS_USER_OPEN_BURST: 10,
      WS_ADDRESS_OPENS_PER_MINUTE: 600,
      WS_ADDRESS_OPEN_BURST: 100,
      WS_PRESENCE_GRACE_MS: 2000,
      RESUME_MAX_EVENTS: 1000,
      RESUME_BUDGET_EVENTS: 5000,
      RESUME_BUDGET_INTERVAL_SECONDS: 10,
    });
    expect(config.ALLOWED_ORIGINS).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(loadConfig({ JWT_SECRET: base.JWT_SECRET }).DATABASE_URL).toBe('sqlite://data/games.sqlite');
  });

  it('reads and converts every kind of value', () => {
    const config = loadConfig({
      ...base,
      PORT: '0',
      INITIAL_BALANCE: '250.5',
      ALLOW_QUERY_TOKEN: 'false',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      RECENT_EVENTS: '5',
      REUSE_PORT: 'true',
    });
    expect(config.PORT).toBe(0);
    expect(config.INITIAL_BALANCE).toBe(250.5);
    expect(config.ALLOW_QUERY_TOKEN).toBe(false);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(config.RECENT_EVENTS).toBe(5);
    expect(config.REUSE_PORT).toBe(true);
  });

  const bad: [string, string][] = [
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://localhost/games'],
    ['JWT_TTL_SECONDS', '-1'],
    ['INITIAL_BALANCE', 'lots'],
    ['RECENT_EVENTS', '1.5'],
    ['ALLOW_QUERY_TOKEN', 'maybe'],
    ['REUSE_PORT', 'sometimes'],
    ['REDIS_URL', 'http://localhost'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_USERNAME', 'a b'],
    ['WS_PRESENCE_GRACE_MS', '-1'],
    ['WS_USER_OPEN_BURST', '0'],
    ['RESUME_BUDGET_INTERVAL_SECONDS', '0'],
  ];
  for (const [name, value] of bad) {
    it(`stops on ${name}=${value} with a message naming the variable`, () => {
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(`^${name}`));
    });
  }

  it('never echoes a secret back in its message', () => {
    try {
      loadConfig({ ...base, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('ADMIN_PASSWORD');
      expect((error as Error).message).not.toContain('short');
    }
  });

  it('wants a resume budget that a full resume fits in (RESUME_MAX_EVENTS + 1)', () => {
    expect(() => loadConfig({ ...base, RESUME_MAX_EVENTS: '5000' })).toThrow(/^RESUME_BUDGET_EVENTS must exceed RESUME_MAX_EVENTS/);
    expect(loadConfig({ ...base, RESUME_MAX_EVENTS: '5000', RESUME_BUDGET_EVENTS: '5001' }).RESUME_BUDGET_EVENTS).toBe(5001);
  });

  it('wants the admin name and password together', () => {
    expect(() => loadConfig({ ...base, ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_USERNAME and ADMIN_PASSWORD/);
  });

  it('refuses Redis without JWT_SECRET: a cluster cannot run on per-process secrets', () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: undefined, DATABASE_URL: 'postgres://127.0.0.1/games', REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/JWT_SECRET is required with REDIS_URL/);
    expect(loadConfig({ ...base, DATABASE_URL: 'postgres://127.0.0.1/games', REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: 'x'.repeat(32) }).REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('refuses Redis without a shared PostgreSQL database', () => {
    expect(() => loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/REDIS_URL/);
  });
});
