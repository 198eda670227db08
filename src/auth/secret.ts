/**
 * The HS256 secret in use. Production brings its own (src/config.ts insists). Elsewhere an
 * unset secret is generated once and kept beside the SQLite file, so tokens survive restarts;
 * with no file to keep it beside (":memory:", PostgreSQL) it lives as long as the process.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, MIN_PRODUCTION_SECRET_BYTES, sqliteFile, type Config } from '../config';
import type { Logger } from '../log';

export function jwtSecret(config: Pick<Config, 'JWT_SECRET' | 'DATABASE_URL'>, logger: Logger): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  const file = sqliteFile(config.DATABASE_URL);
  const generated = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');
  if (!file) {
    logger.warn('JWT_SECRET is not set; using a generated secret for this process only');
    return generated;
  }
  const secretFile = join(dirname(file), 'jwt-secret');
  mkdirSync(dirname(secretFile), { recursive: true });
  try {
    // 'wx': of two processes starting together on one directory, one writes and both read it.
    writeFileSync(secretFile, generated, { mode: 0o600, flag: 'wx' });
    logger.warn('JWT_SECRET is not set; generated one and kept it beside the database (set JWT_SECRET in production)', { file: secretFile });
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = readFileSync(secretFile, 'utf8').trim();
  if (Buffer.byteLength(stored) < MIN_PRODUCTION_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET is not set and ${secretFile} holds no usable secret (under ${MIN_PRODUCTION_SECRET_BYTES} bytes): delete the file or set JWT_SECRET`);
  }
  logger.warn('JWT_SECRET is not set; using the generated one kept beside the database (set JWT_SECRET in production)', { file: secretFile });
  return stored;
}
