/**
 * Presence shared through Redis. Keys (under `prefix`):
 * - `<prefix>:leases`, a sorted set: instance id → when its lease ends (ms, the instances' clock);
 * - `<prefix>:sockets:<instance>`, a hash: user id → that instance's open sockets;
 * - `<prefix>:users`, a hash: user id → open sockets in the whole cluster.
 * Every change that touches more than one key is one Lua script, so Redis runs it whole: of
 * two survivors sweeping one dead instance, the second finds the lease gone and reports
 * nothing; a first socket and a last one are each seen by exactly one caller.
 */
import type Redis from 'ioredis';
import { LeasedPresence, type PresenceStore, type Rejoined } from './leased';
import type { Presence, PresenceOptions } from './presence';

const ADD = `
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)`;

const REMOVE = `
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if mine <= 0 then return -1 end
if mine == 1 then redis.call('HDEL', KEYS[2], ARGV[1]) else redis.call('HINCRBY', KEYS[2], ARGV[1], -1) end
local total = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if total <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) return 0 end
return total`;

const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

// KEYS: leases, the instance's sockets, users. ARGV: instance, expiresAt, then user id and
// socket count pairs: the instance's sockets become exactly these, the totals follow.
const REJOIN = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local want = {}
for i = 3, #ARGV, 2 do want[ARGV[i]] = tonumber(ARGV[i + 1]) end
local joined, left = {}, {}
local function change(user, delta)
  local total = redis.call('HINCRBY', KEYS[3], user, delta)
  if total <= 0 then
    redis.call('HDEL', KEYS[3], user)
    if total - delta > 0 then table.insert(left, user) end
  elseif total - delta <= 0 then
    table.insert(joined, user)
  end
end
local have = redis.call('HGETALL', KEYS[2])
for i = 1, #have, 2 do
  local user, count = have[i], tonumber(have[i + 1])
  local target = want[user] or 0
  want[user] = nil
  if target ~= count then
    change(user, target - count)
    if target > 0 then redis.call('HSET', KEYS[2], user, target) else redis.call('HDEL', KEYS[2], user) end
  end
end
for user, count in pairs(want) do
  if count > 0 then
    redis.call('HSET', KEYS[2], user, count)
    change(user, count)
  end
end
return { joined, left }`;

// KEYS: leases, users, the instance's sockets. ARGV: instance, now.
const SWEEP = `
local expiresAt = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiresAt or tonumber(expiresAt) > tonumber(ARGV[2]) then return {} end
redis.call('ZREM', KEYS[1], ARGV[1])
local counts = redis.call('HGETALL', KEYS[3])
local left = {}
for i = 1, #counts, 2 do
  if redis.call('HINCRBY', KEYS[2], counts[i], -tonumber(counts[i + 1])) <= 0 then
    redis.call('HDEL', KEYS[2], counts[i])
    table.insert(left, counts[i])
  end
end
redis.call('DEL', KEYS[3])
return left`;

export class RedisPresenceStore implements PresenceStore {
  readonly name = 'redis';
  private readonly leases: string;
  private readonly totals: string;

  /** `redis` is a normal (not subscribed) connection; commands reject while Redis is down. */
  constructor(private readonly redis: Redis, private readonly prefix = 'presence') {
    this.leases = `${prefix}:leases`;
    this.totals = `${prefix}:users`;
  }

  private socketsOf(instance: string): string {
    return `${this.prefix}:sockets:${instance}`;
  }

  async add(instance: string, userId: number): Promise<number> {
    return Number(await this.redis.eval(ADD, 2, this.totals, this.socketsOf(instance), userId));
  }

  async remove(instance: string, userId: number): Promise<number> {
    return Number(await this.redis.eval(REMOVE, 2, this.totals, this.socketsOf(instance), userId));
  }

  async users(): Promise<number[]> {
    return (await this.redis.hkeys(this.totals)).map(Number);
  }

  async renew(instance: string, expiresAt: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, this.leases, instance, expiresAt)) === 1;
  }

  async rejoin(instance: string, expiresAt: number, counts: [number, number][]): Promise<Rejoined> {
    const [joined, left] = (await this.redis.eval(REJOIN, 3, this.leases, this.socketsOf(instance), this.totals, instance, expiresAt, ...counts.flat())) as [string[], string[]];
    return { joined: joined.map(Number), left: left.map(Number) };
  }

  async expired(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.leases, '-inf', now);
  }

  async sweep(instance: string, now: number): Promise<number[]> {
    const left = await this.redis.eval(SWEEP, 3, this.leases, this.totals, this.socketsOf(instance), instance, now);
    return (left as string[]).map(Number);
  }
}

export function createRedisPresence(redis: Redis, options: PresenceOptions & { prefix?: string }): Presence {
  return new LeasedPresence(new RedisPresenceStore(redis, options.prefix), options);
}
