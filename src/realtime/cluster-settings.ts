/**
 * The settings every instance of a cluster must share, checked when an instance joins. Behind
 * a load balancer, an instance with its own JWT_SECRET refuses every other instance's tokens
 * (random 401s), one with other bet limits or games takes plays the others refuse, one with
 * other limits lets through what the cluster's limits hold back. Such an instance refuses to
 * join, naming each setting that differs.
 *
 * The running cluster's record is one Redis hash, `cluster:settings`: setting name -> what it
 * is here. Secrets are recorded as fingerprints only (HMAC-SHA256 under a fixed label, 12 bytes,
 * base64url: it names a secret without revealing it), other settings as their values, so a
 * refusal can say "MAX_BET is 500 here, 100000 in the cluster". The first instance writes the
 * record; every live instance renews its expiry, so it lasts as long as the cluster runs
 * and lapses `leaseMs` after the last instance is gone: changing one of these settings means
 * stopping every instance (or waiting out the lease after the last one), then starting them
 * with the new value.
 */
import type Redis from 'ioredis';
import type { Config } from '../config';
import { games } from '../games/catalogue';

/** Settings compared by value: shown in a refusal. */
const SHOWN = [
  'MIN_BET',
  'MAX_BET',
  'INITIAL_BALANCE',
  'JWT_TTL_SECONDS',
  'REFRESH_TTL_SECONDS',
  'PLAY_RATE_PER_SECOND',
  'PLAY_BURST',
  'AUTH_RATE_PER_MINUTE',
  'AUTH_BURST',
  'LOGIN_MAX_FAILURES',
  'LOGIN_LOCKOUT_SECONDS',
  'WS_MAX_SOCKETS_PER_USER',
  'WS_MAX_SOCKETS_PER_ADDRESS',
  'RESUME_MAX_EVENTS',
] as const satisfies readonly (keyof Config)[];
/** Settings compared by fingerprint: never shown. */
const SECRET = ['JWT_SECRET', 'CLUSTER_KEY'] as const satisfies readonly (keyof Config)[];

const FINGERPRINTED = new Set<string>([...SECRET, 'games']);

export type ClusterSettings = Record<string, string>;

/** A secret's fingerprint: the same secret gives the same one on every instance; it cannot be turned back. */
export function fingerprint(secret: string | undefined): string {
  if (secret === undefined) return 'unset';
  return `fp:${new Bun.CryptoHasher('sha256', 'games cluster settings fingerprint v1').update(secret).digest('base64url').slice(0, 16)}`;
}

/** What this instance records and compares: the settings above and the games it offers. */
export function clusterSettings(config: Config): ClusterSettings {
  const settings: ClusterSettings = {};
  for (const name of SHOWN) settings[name] = String(config[name]);
  for (const name of SECRET) settings[name] = fingerprint(config[name]);
  // The games: each one's route, stated RTP and body schema (what a play is checked against).
  settings.games = fingerprint(JSON.stringify(games.map((game) => [game.type, game.path, game.rtp, game.body])));
  return settings;
}

export class ClusterMismatchError extends Error {
  constructor(readonly differences: { name: string; here: string; cluster: string }[]) {
    const named = differences.map(({ name, here, cluster }) =>
      FINGERPRINTED.has(name) ? `${name} differs (fingerprint ${here} here, ${cluster} in the running cluster)` : `${name} is ${here} here, ${cluster} in the running cluster`,
    );
    super(`this instance's settings differ from the running cluster's: ${named.join('; ')}. Every instance must share them; start it with the cluster's values (or stop every instance to change them)`);
  }
}

/** Writes the record if there is none (with its expiry), else leaves it; returns the record as it now is, flattened. */
const JOIN = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 2))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])`;

export const SETTINGS_LEASE_MS = 30_000;

/**
 * Joins the cluster's record of settings: resolves when this instance agrees with it (or wrote
 * it, being the first), throws `ClusterMismatchError` naming every setting that differs.
 */
export async function joinCluster(client: Redis, settings: ClusterSettings, options: { prefix?: string; leaseMs?: number } = {}): Promise<void> {
  const recorded = await record(client, settings, options);
  const differences = Object.entries(settings)
    .filter(([name, here]) => recorded[name] !== undefined && recorded[name] !== here)
    .map(([name, here]) => ({ name, here, cluster: recorded[name]! }));
  if (differences.length > 0) throw new ClusterMismatchError(differences);
}

/** Renews the record's expiry (and writes it again if it lapsed, say during a Redis outage). */
export async function renewCluster(client: Redis, settings: ClusterSettings, options: { prefix?: string; leaseMs?: number } = {}): Promise<void> {
  await record(client, settings, options);
}

async function record(client: Redis, settings: ClusterSettings, { prefix = 'cluster:', leaseMs = SETTINGS_LEASE_MS }: { prefix?: string; leaseMs?: number }): Promise<Record<string, string>> {
  const flat = (await client.eval(JOIN, 1, `${prefix}settings`, String(leaseMs), ...Object.entries(settings).flat())) as string[];
  const recorded: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) recorded[flat[i]!] = flat[i + 1]!;
  return recorded;
}
