/**
 * The JWT secret: production brings its own of at least 32 bytes; development generates one,
 * keeps it beside the SQLite file (so tokens survive a restart) and says so.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jwtSecret } from '../src/auth/secret';
import { ConfigError, loadConfig } from '../src/config';
import type { Logger } from '../src/log';
import { api } from './support/client';
import { startTestServer, tempDir } from './support/server';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

const sqliteIn = (dir: string) => ({ DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}` });

/** Resolves the secret for `env` and returns it with the warnings logged on the way. */
function loadWatchingWarnings(env: Record<string, string>): { secret: string; warnings: string } {
  const lines: string[] = [];
  const record = (message: string, fields?: Record<string, unknown>) => lines.push(JSON.stringify({ message, ...fields }));
  const logger: Logger = { debug: record, info: record, warn: record, error: record, announce: record };
  const secret = jwtSecret(loadConfig(env), logger);
  return { secret, warnings: lines.join('\n') };
}

/** The ConfigError that loading `env` and resolving its secret throws. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadWatchingWarnings(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('development: a generated secret kept beside the database', () => {
  it('generates a strong secret once, keeps it with owner-only access, and reuses it on the next start', () => {
    const dir = freshDir();
    const first = loadWatchingWarnings(sqliteIn(dir));
    const second = loadWatchingWarnings(sqliteIn(dir));
    expect(second.secret).toBe(first.secret);
    expect(Buffer.byteLength(first.secret)).toBeGreaterThanOrEqual(32);

    const file = join(dir, 'jwt-secret');
    expect(readFileSync(file, 'utf8')).toBe(first.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Both starts warn, naming the variable and the file, never printing the secret.
    for (const { warnings } of [first, second]) {
      expect(warnings).toContain('JWT_SECRET');
      expect(warnings).toContain(file);
      expect(warnings).not.toContain(first.secret);
    }
  });

  it('keeps tokens valid across a restart on the same directory', async () => {
    const dir = freshDir();
    const noSecret = { JWT_SECRET: undefined };
    const first = await startTestServer(noSecret, { dir });
    const user = await api(first.url).signup();
    await first.close();
    const second = await startTestServer(noSecret, { dir });
    try {
      expect((await api(second.url).get('/api/auth/me', user.access_token)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('gives another database directory another secret', () => {
    expect(loadWatchingWarnings(sqliteIn(freshDir())).secret).not.toBe(loadWatchingWarnings(sqliteIn(freshDir())).secret);
  });

  it('uses a per-process secret, with a warning, when there is no file to keep it beside', () => {
    const first = loadWatchingWarnings({ DATABASE_URL: 'sqlite://:memory:' });
    const second = loadWatchingWarnings({ DATABASE_URL: 'sqlite://:memory:' });
    expect(first.secret).not.toBe(second.secret);
    expect(first.warnings).toContain('JWT_SECRET');
  });

  it('stops on a kept secret file that holds no usable secret', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'jwt-secret'), '\n');
    expect(configError({ ...sqliteIn(dir), LOG_LEVEL: 'silent' }).message).toContain('JWT_SECRET');
  });

  it('takes a given secret as it is, writing nothing', () => {
    const dir = freshDir();
    expect(loadWatchingWarnings({ ...sqliteIn(dir), JWT_SECRET: 'short-is-fine-here' })).toEqual({ secret: 'short-is-fine-here', warnings: '' });
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });
});

describe('production: the secret must be given, at least 32 bytes', () => {
  const production = (dir: string, secret?: string) => ({ ...sqliteIn(dir), NODE_ENV: 'production', ...(secret === undefined ? {} : { JWT_SECRET: secret }) });

  it('stops without JWT_SECRET, naming it, and generates nothing', () => {
    const dir = freshDir();
    const error = configError(production(dir));
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).toContain('32 bytes');
    expect(existsSync(join(dir, 'jwt-secret'))).toBe(false);
  });

  it('stops on a secret under 32 bytes, naming JWT_SECRET but not echoing it', () => {
    for (const secret of ['s'.repeat(31), 'é'.repeat(15)]) {
      const error = configError(production(freshDir(), secret));
      expect(error.message).toMatch(/^JWT_SECRET/);
      expect(error.message).not.toContain(secret);
    }
  });

  it('accepts 32 bytes, counted as bytes rather than characters', () => {
    expect(loadConfig(production(freshDir(), 's'.repeat(32))).JWT_SECRET).toBe('s'.repeat(32));
    expect(loadConfig(production(freshDir(), 'é'.repeat(16))).JWT_SECRET).toBe('é'.repeat(16));
  });

  it('refuses a NODE_ENV it does not know, so a typo cannot fall back to development', () => {
    expect(configError({ ...sqliteIn(freshDir()), NODE_ENV: 'prod' }).message).toMatch(/^NODE_ENV/);
  });
});
