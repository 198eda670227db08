/**
 * The one reader of the environment. Every setting is declared here with its default,
 * validated at start-up, and a bad value stops the server with a message that names the
 * variable and what it expects (API.md, "Running it").
 */
import { trustedProxies } from './client-address';
import { Type as t, type Static, type TOptional, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Port = t.Integer({ minimum: 0, maximum: 65535 });
const Positive = t.Integer({ minimum: 1 });
const Amount = t.Number({ exclusiveMinimum: 0 });

/** Each entry: the variable, its schema, its default, and what a person is told it expects. */
const settings = {
  PORT: { schema: Port, default: 8000, expects: 'an integer port from 0 to 65535' },
  HOST: { schema: t.String({ minLength: 1 }), default: '0.0.0.0', expects: 'a bind address' },
  // Off: a second process on a taken port fails at start instead of silently sharing it.
  REUSE_PORT: { schema: t.Boolean(), default: false, expects: 'true or false' },
  DATABASE_URL: {
    schema: t.String({ pattern: '^(sqlite://.+|postgres(ql)?://.+)$' }),
    default: 'sqlite://data/games.sqlite',
    expects: 'sqlite://<file>, sqlite://:memory: or postgres://…',
  },
  JWT_SECRET: { schema: t.Optional(t.String({ minLength: 1 })), default: undefined, expects: 'a secret string' },
  JWT_TTL_SECONDS: { schema: t.Integer({ minimum: 10, maximum: 86_400 }), default: 900, expects: 'seconds from 10 to 86400' },
  REFRESH_TTL_SECONDS: { schema: t.Integer({ minimum: 60 }), default: 30 * 86_400, expects: 'seconds, at least 60' },
  ADMIN_USERNAME: { schema: t.Optional(t.String({ pattern: '^[A-Za-z0-9_]{3,32}$' })), default: undefined, expects: '3 to 32 of A-Z a-z 0-9 _' },
  ADMIN_PASSWORD: { schema: t.Optional(t.String({ minLength: 8, maxLength: 128 })), default: undefined, expects: '8 to 128 characters' },
  INITIAL_BALANCE: { schema: t.Number({ minimum: 0, maximum: 1e12 }), default: 1000, expects: 'a number from 0 to 1e12' },
  RECENT_EVENTS: { schema: t.Integer({ minimum: 0, maximum: 100_000 }), default: 100, expects: 'an integer from 0 to 100000' },
  ALLOW_QUERY_TOKEN: { schema: t.Boolean(), default: true, expects: 'true or false' },
  // How users reach the server (behind a proxy): its origin may always open sockets, and the API documents name it.
  PUBLIC_URL: { schema: t.Optional(t.String({ pattern: '^https?://[^/]+' })), default: undefined, expects: 'an http:// or https:// URL' },
  ALLOWED_ORIGINS: { schema: t.Optional(t.Array(t.String({ minLength: 1 }))), default: undefined, expects: 'a comma-separated list of origins' },
  // Behind a load balancer: the per-address limits read the client from X-Forwarded-For when the peer is one of these.
  TRUSTED_PROXIES: { schema: t.Optional(t.Array(t.String({ minLength: 1 }))), default: undefined, expects: 'a comma-separated list of IP addresses or CIDR ranges' },
  REDIS_URL: { schema: t.Optional(t.String({ pattern: '^rediss?://.+' })), default: undefined, expects: 'redis://…' },
  // The key that authenticates frames between instances; unset, one is derived from JWT_SECRET.
  CLUSTER_KEY: { schema: t.Optional(t.String({ minLength: 32 })), default: undefined, expects: 'a secret of at least 32 characters' },
  // A typo ("prod") must not quietly run production with development's generated secret.
  NODE_ENV: { schema: t.Union([t.Literal('development'), t.Literal('test'), t.Literal('production')]), default: 'development', expects: 'development, test or production' },
  MIN_BET: { schema: Amount, default: 0.01, expects: 'a positive number' },
  MAX_BET: { schema: Amount, default: 100_000, expects: 'a positive number' },
  MAX_BODY_BYTES: { schema: t.Integer({ minimum: 256, maximum: 1_048_576 }), default: 16_384, expects: 'bytes from 256 to 1048576' },
  PLAY_RATE_PER_SECOND: { schema: Positive, default: 20, expects: 'a positive integer' },
  PLAY_BURST: { schema: Positive, default: 40, expects: 'a positive integer' },
  AUTH_RATE_PER_MINUTE: { schema: Positive, default: 30, expects: 'a positive integer' },
  AUTH_BURST: { schema: Positive, default: 10, expects: 'a positive integer' },
  LOGIN_MAX_FAILURES: { schema: Positive, default: 5, expects: 'a positive integer' },
  LOGIN_LOCKOUT_SECONDS: { schema: Positive, default: 60, expects: 'a positive integer' },
  WS_MESSAGE_RATE_PER_SECOND: { schema: Positive, default: 10, expects: 'a positive integer' },
  WS_MESSAGE_BURST: { schema: Positive, default: 20, expects: 'a positive integer' },
  WS_MAX_SOCKETS_PER_USER: { schema: Positive, default: 16, expects: 'a positive integer' },
  WS_MAX_SOCKETS_PER_ADDRESS: { schema: Positive, default: 1024, expects: 'a positive integer' },
  // How fast sockets may be opened (token buckets): each open and close is presence work in the whole cluster.
  WS_USER_OPENS_PER_MINUTE: { schema: Positive, default: 60, expects: 'a positive integer' },
  WS_USER_OPEN_BURST: { schema: Positive, default: 10, expects: 'a positive integer' },
  WS_ADDRESS_OPENS_PER_MINUTE: { schema: Positive, default: 600, expects: 'a positive integer' },
  WS_ADDRESS_OPEN_BURST: { schema: Positive, default: 100, expects: 'a positive integer' },
  // A user whose last socket closed is told gone only after this: a reconnect within it is no leave and no join.
  WS_PRESENCE_GRACE_MS: { schema: t.Integer({ minimum: 0, maximum: 60_000 }), default: 2_000, expects: 'milliseconds from 0 to 60000' },
  WS_SLOW_BYTES: { schema: t.Integer({ minimum: 1024 }), default: 1_048_576, expects: 'bytes, at least 1024' },
  RESUME_MAX_EVENTS: { schema: Positive, default: 1000, expects: 'a positive integer' },
  // What one user's resumes may replay per interval (each costs one plus its events); past it, close 4005.
  RESUME_BUDGET_EVENTS: { schema: Positive, default: 5000, expects: 'a positive integer' },
  RESUME_BUDGET_INTERVAL_SECONDS: { schema: t.Integer({ minimum: 1, maximum: 3600 }), default: 10, expects: 'seconds from 1 to 3600' },
  SHUTDOWN_GRACE_MS: { schema: t.Integer({ minimum: 0 }), default: 10_000, expects: 'milliseconds' },
  // A database or Redis not there yet (started together, restarting): start-up keeps trying this long, then exits 69.
  STARTUP_WAIT_SECONDS: { schema: t.Integer({ minimum: 0, maximum: 3600 }), default: 60, expects: 'seconds from 0 to 3600' },
  PASSWORD_MEMORY_KIB: { schema: t.Integer({ minimum: 1024 }), default: 19_456, expects: 'KiB, at least 1024' },
  // Unset: /metrics is public (bind it to a private network). Set: it needs `Authorization: Bearer <it>`.
  METRICS_TOKEN: { schema: t.Optional(t.String({ minLength: 16, maxLength: 256 })), default: undefined, expects: 'a bearer token of 16 to 256 characters' },
  // What games_build_info names as the commit; unset, git is asked (`unknown` without it).
  GIT_COMMIT: { schema: t.Optional(t.String({ pattern: '^[0-9A-Za-z._-]{1,64}$' })), default: undefined, expects: 'a commit id (1 to 64 of A-Z a-z 0-9 . _ -)' },
  LOG_LEVEL: { schema: t.Union([t.Literal('debug'), t.Literal('info'), t.Literal('warn'), t.Literal('error'), t.Literal('silent')]), default: 'info', expects: 'debug, info, warn, error or silent' },
} satisfies Record<string, { schema: TSchema; default: unknown; expects: string }>;

/** Never echoed back in an error message. */
const SECRET_SETTINGS = new Set(['JWT_SECRET', 'CLUSTER_KEY', 'ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL', 'METRICS_TOKEN']);

type Settings = typeof settings;
/** An optional setting may be absent: its type says so. */
type SettingValue<S extends TSchema> = S extends TOptional<infer Inner> ? Static<Inner> | undefined : Static<S>;
export type Config = { [K in keyof Settings]: SettingValue<Settings[K]['schema']> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Environment values are strings; turn them into what the schema checks. */
function coerce(raw: string, schema: TSchema): unknown {
  const type = (schema as { type?: string }).type;
  if (type === 'integer' || type === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (type === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(lower)) return true;
    if (['false', '0', 'no'].includes(lower)) return false;
    return raw;
  }
  if (type === 'array') return raw.split(',').map((part) => part.trim()).filter(Boolean);
  return raw;
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const values: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings)) {
    const raw = env[name];
    const isUnset = raw === undefined || raw === '';
    const value = isUnset ? setting.default : coerce(raw, setting.schema);
    if (value !== undefined && !Value.Check(setting.schema, value)) {
      const shown = SECRET_SETTINGS.has(name) ? '<hidden>' : JSON.stringify(raw);
      throw new ConfigError(`${name}=${shown} is not valid: expected ${setting.expects}`);
    }
    values[name] = value;
  }
  const config = values as Config;
  if (config.MIN_BET > config.MAX_BET) throw new ConfigError(`MIN_BET must not exceed MAX_BET (${config.MIN_BET} > ${config.MAX_BET})`);
  // A full replay costs RESUME_MAX_EVENTS + 1: a budget smaller could never let one through.
  if (config.RESUME_BUDGET_EVENTS <= config.RESUME_MAX_EVENTS) {
    throw new ConfigError(`RESUME_BUDGET_EVENTS must exceed RESUME_MAX_EVENTS (${config.RESUME_BUDGET_EVENTS} <= ${config.RESUME_MAX_EVENTS}): a full resume costs RESUME_MAX_EVENTS + 1`);
  }
  if (Boolean(config.ADMIN_USERNAME) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new ConfigError('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  if (config.REDIS_URL && !config.DATABASE_URL.startsWith('postgres')) {
    throw new ConfigError('REDIS_URL needs a shared postgres:// DATABASE_URL: instances must share one database');
  }
  checkJwtSecret(config);
  try {
    trustedProxies(config.TRUSTED_PROXIES ?? []);
  } catch (error) {
    throw new ConfigError(`TRUSTED_PROXIES is not valid: ${(error as Error).message}`);
  }
  return config;
}

/** RFC 8725 §3.5: an HS256 secret at least as long as the hash. */
export const MIN_PRODUCTION_SECRET_BYTES = 32;

/**
 * Production and every cluster must bring their own secret of at least 32 bytes; a single
 * development instance may let src/auth/secret.ts make one. A generated secret is per process
 * without a SQLite file beside it: behind a load balancer, each instance would refuse the
 * others' tokens.
 */
function checkJwtSecret(config: Config): void {
  if (config.REDIS_URL && !config.JWT_SECRET) throw new ConfigError('JWT_SECRET is required with REDIS_URL: every instance of a cluster must sign and verify tokens with the same secret');
  if (config.NODE_ENV !== 'production') return;
  if (!config.JWT_SECRET) throw new ConfigError(`JWT_SECRET is required when NODE_ENV=production (at least ${MIN_PRODUCTION_SECRET_BYTES} bytes)`);
  if (Buffer.byteLength(config.JWT_SECRET) < MIN_PRODUCTION_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET is too short: at least ${MIN_PRODUCTION_SECRET_BYTES} bytes are required when NODE_ENV=production`);
  }
}

/** The SQLite file behind a sqlite:// URL, or undefined for memory and PostgreSQL. */
export function sqliteFile(url: string): string | undefined {
  if (!url.startsWith('sqlite://')) return undefined;
  const path = url.slice('sqlite://'.length);
  return path === ':memory:' ? undefined : path;
}
