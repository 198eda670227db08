/**
 * Limits for the cluster as a whole, kept in Redis: each check is one Lua script, so it is atomic
 * however many instances ask at once. Behind a balancer that spreads a client's requests, per
 * instance limits would let N times the limit through N instances (issue 20 measured 12 plays in
 * a second against a limit of 5, and 4 sockets against a cap of 3).
 *
 * - Rates (plays, sign-ups and logins per address, verifications, socket opens, resumes): GCRA,
 *   the token bucket as one timestamp per key (`limits:rate:<name>:<key>`: the theoretical
 *   arrival time), on Redis's clock so that the instances' clocks do not matter.
 * - Login lockout: failures counted per key for the window, then a lock key for the lockout.
 * - Open sockets: a hash per instance (`limits:sockets:<instance>`: key -> sockets there); a
 *   socket is taken only if the sum over the live instances (the presence leases) is under the
 *   cap, so a dead instance's sockets stop counting when its lease ends.
 *
 * A call rejects when Redis cannot answer; `SharedLimits` (below) then falls back to the
 * instance's own limits and says so, once per interval.
 */
import type Redis from 'ioredis';

/**
 * A Lua script run by its SHA1 (EVALSHA), so a check sends its keys and arguments and not the
 * script's text every time; loaded again (EVAL) when Redis does not know it (first use, a restart).
 */
class Script {
  private readonly sha: string;

  constructor(private readonly text: string) {
    this.sha = new Bun.CryptoHasher('sha1').update(text).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.text, keys.length, ...keys, ...args);
    }
  }
}

/** One check per key, in order (a key may come twice); ARGV: emission, burst, cost per key. One wait (ms) or -1 per key. */
const RATE = new Script(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local waits = {}
for i, key in ipairs(KEYS) do
  local emission = tonumber(ARGV[3 * i - 2])
  local burst = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local after = tat + emission * cost
  local wait = after - emission * burst - now
  if wait > 0 then
    waits[i] = wait
  else
    redis.call('SET', key, after, 'PX', math.ceil(after - now) + 1)
    waits[i] = -1
  end
end
return waits`);

/** Most rate checks in one script call. */
const MAX_CHECKS_PER_CALL = 256;

type RateCheck = { key: string; args: [string, string, string]; resolve: (wait: number) => void; reject: (error: unknown) => void };

const FAIL = new Script(`
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if failures >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
end
return failures`);

/** KEYS: leases, this instance's hash; ARGV: field, cap, now (ms), instance id, hash prefix. */
const TAKE_SOCKET = new Script(`
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[3], '+inf')
local total = 0
local mine = false
for _, instance in ipairs(live) do
  if instance == ARGV[4] then mine = true end
  total = total + tonumber(redis.call('HGET', ARGV[5] .. instance, ARGV[1]) or 0)
end
if not mine then total = total + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or 0) end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
return 1`);

const RELEASE_SOCKET = new Script(`
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left`);

export class ClusterLimits {
  private readonly sockets: string;
  /** Rate checks waiting for the one under way: they go to Redis together, in one script call. */
  private checks: RateCheck[] = [];
  private isChecking = false;

  constructor(
    private readonly redis: Redis,
    private readonly instanceId: string,
    /** The presence leases (presence/redis.ts): instance id -> when its lease ends, ms. */
    private readonly leases = 'presence:leases',
    private readonly now: () => number = Date.now,
  ) {
    this.sockets = `limits:sockets:${instanceId}`;
  }

  /** Takes `cost` from `key`'s bucket of `name`: undefined when allowed, else the seconds to wait. */
  async rate(name: string, key: string | number, ratePerSecond: number, burst: number, cost = 1): Promise<number | undefined> {
    const wait = await new Promise<number>((resolve, reject) => {
      this.checks.push({ key: `limits:rate:${name}:${key}`, args: [String(1000 / ratePerSecond), String(burst), String(cost)], resolve, reject });
      if (!this.isChecking) this.sendChecks();
    });
    return wait < 0 ? undefined : wait / 1000;
  }

  /**
   * Group commit for rate checks: with none under way a check goes at once; those that come
   * meanwhile go together when it is answered, so under load a play's check is a share of one
   * Redis command (each check is still atomic, and a key's checks run in arrival order).
   */
  private sendChecks(): void {
    const batch = this.checks.splice(0, MAX_CHECKS_PER_CALL);
    this.isChecking = true;
    RATE.run(
      this.redis,
      batch.map((check) => check.key),
      batch.flatMap((check) => check.args),
    )
      .then(
        (waits) => {
          if (!Array.isArray(waits) || waits.length !== batch.length) throw new Error(`the rate script answered ${String(waits)}`);
          batch.forEach((check, i) => check.resolve(Number(waits[i])));
        },
      )
      .catch((error: unknown) => batch.forEach((check) => check.reject(error)))
      .finally(() => {
        this.isChecking = false;
        if (this.checks.length > 0) this.sendChecks();
      })
      .catch(() => {}); // resolve and reject above never throw
  }

  /** Seconds `key` is still locked out for, or undefined. */
  async lockedFor(key: string): Promise<number | undefined> {
    const ms = await this.redis.pttl(`limits:locked:${key}`);
    return ms > 0 ? ms / 1000 : undefined;
  }

  async fail(key: string, maxFailures: number, windowMs: number, lockoutMs: number): Promise<void> {
    await FAIL.run(this.redis, [`limits:failures:${key}`, `limits:locked:${key}`], [String(maxFailures), String(windowMs), String(lockoutMs)]);
  }

  async succeed(key: string): Promise<void> {
    await this.redis.del(`limits:failures:${key}`);
  }

  /** Takes one of `key`'s `cap` sockets in the whole cluster; false when all are open. */
  async takeSocket(key: string, cap: number): Promise<boolean> {
    const taken = await TAKE_SOCKET.run(this.redis, [this.leases, this.sockets], [key, String(cap), String(this.now()), this.instanceId, 'limits:sockets:']);
    return Number(taken) === 1;
  }

  async releaseSocket(key: string): Promise<void> {
    await RELEASE_SOCKET.run(this.redis, [this.sockets], [key]);
  }

  /** At a clean stop: this instance's sockets stop counting at once, not when its lease ends. */
  async forgetSockets(): Promise<void> {
    await this.redis.del(this.sockets);
  }
}
