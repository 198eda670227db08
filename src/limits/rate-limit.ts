/**
 * In-process limiters. Both forget idle keys on their own, so a client cannot grow them
 * without bound by inventing names or addresses. Time comes from the injected clock.
 */
import { systemClock, type Clock } from '../clock';

/** A token bucket: `burst` at once, refilled at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.updatedAt = clock.now();
  }

  /** Takes `count` tokens; false (and none taken) when the bucket holds fewer. */
  take(count = 1): boolean {
    this.refill();
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Seconds until the bucket holds `count` tokens. */
  retryAfter(count = 1): number {
    return Math.max(0, (count - this.tokens) / this.ratePerSecond);
  }

  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.clock.now();
    // max(0, …): a clock stepped back never takes tokens away.
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
  }
}

/** One token bucket per key (a user id, an address). Full buckets are dropped by a periodic sweep. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string | number, TokenBucket>();
  private readonly sweeper: Timer;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Takes `count` tokens of `key`'s bucket: undefined when allowed; otherwise the seconds to wait. */
  take(key: string | number, count = 1): number | undefined {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.ratePerSecond, this.burst, this.clock)));
    return bucket.take(count) ? undefined : bucket.retryAfter(count);
  }

  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/**
 * Counts failures per key; after `maxFailures` within `windowMs` the key is locked for
 * `lockoutMs`. Used for logins, keyed by username and by address separately.
 */
export class FailureThrottle {
  private readonly entries = new Map<string, { failures: number; firstAt: number; lockedUntil: number }>();
  private readonly sweeper: Timer;

  constructor(
    private readonly maxFailures: number,
    private readonly lockoutMs: number,
    private readonly windowMs = lockoutMs,
    private readonly clock: Clock = systemClock,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Seconds the key must still wait, or undefined when it may try. */
  lockedFor(key: string): number | undefined {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    return entry && entry.lockedUntil > now ? (entry.lockedUntil - now) / 1000 : undefined;
  }

  fail(key: string): void {
    const now = this.clock.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.firstAt > this.windowMs) this.entries.set(key, (entry = { failures: 0, firstAt: now, lockedUntil: 0 }));
    entry.failures += 1;
    if (entry.failures >= this.maxFailures) entry.lockedUntil = now + this.lockoutMs;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntil <= now && now - entry.firstAt > this.windowMs) this.entries.delete(key);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
