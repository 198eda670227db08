/**
 * The limiters the routes use: for the whole cluster when it shares Redis (cluster-limits.ts),
 * else (one instance, or while Redis does not answer) the instance's own (rate-limit.ts). A check
 * Redis cannot answer falls back to the local one at once, so an outage never refuses or stalls
 * a request; `LimitsFallback` says so in one log line per interval and tells /health.
 */
import type { Clock } from '../clock';
import type { ClusterLimits } from './cluster-limits';
import { FailureThrottle, KeyedRateLimiter } from './rate-limit';

const WARN_INTERVAL_MS = 10_000;

/** Notes checks that fell back to the local limits: one warning per interval, and whether it is happening now. */
export class LimitsFallback {
  private lastAt = -Infinity;
  private warnedAt = -Infinity;
  private folded = 0;

  constructor(
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
    private readonly clock: Clock,
  ) {}

  note(error: unknown): void {
    const now = this.clock.now();
    this.lastAt = now;
    if (now - this.warnedAt < WARN_INTERVAL_MS) {
      this.folded++;
      return;
    }
    this.warn('limits: Redis does not answer; limiting per instance until it does', { error: String(error), folded: this.folded });
    this.warnedAt = now;
    this.folded = 0;
  }

  /** A check fell back within the last interval: the limits are per instance now. */
  get isLocal(): boolean {
    return this.clock.now() - this.lastAt < WARN_INTERVAL_MS;
  }
}

export type Shared = { limits: ClusterLimits; fallback: LimitsFallback };

/** A token bucket per key, for the cluster when `shared` is given. */
export class SharedRateLimiter {
  private readonly local: KeyedRateLimiter;

  constructor(
    private readonly name: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
    clock: Clock,
    private readonly shared?: Shared,
  ) {
    this.local = new KeyedRateLimiter(ratePerSecond, burst, clock);
  }

  /** Takes `count` tokens of `key`'s bucket: undefined when allowed; otherwise the seconds to wait. */
  async take(key: string | number, count = 1): Promise<number | undefined> {
    if (this.shared) {
      try {
        return await this.shared.limits.rate(this.name, key, this.ratePerSecond, this.burst, count);
      } catch (error) {
        this.shared.fallback.note(error);
      }
    }
    return this.local.take(key, count);
  }

  close(): void {
    this.local.close();
  }
}

/** Failed logins per key: after `maxFailures` within the window, the key is locked for the lockout. */
export class SharedLoginThrottle {
  private readonly local: FailureThrottle;

  constructor(
    private readonly maxFailures: number,
    private readonly lockoutMs: number,
    clock: Clock,
    private readonly shared?: Shared,
  ) {
    this.local = new FailureThrottle(maxFailures, lockoutMs, undefined, clock);
  }

  /** Seconds the key must still wait, or undefined when it may try. */
  async lockedFor(key: string): Promise<number | undefined> {
    return this.orLocal(
      (limits) => limits.lockedFor(key),
      () => this.local.lockedFor(key),
    );
  }

  async fail(key: string): Promise<void> {
    return this.orLocal(
      (limits) => limits.fail(key, this.maxFailures, this.lockoutMs, this.lockoutMs),
      () => this.local.fail(key),
    );
  }

  async succeed(key: string): Promise<void> {
    this.local.succeed(key);
    return this.orLocal(
      (limits) => limits.succeed(key),
      () => undefined,
    );
  }

  close(): void {
    this.local.close();
  }

  private async orLocal<T>(inCluster: (limits: ClusterLimits) => Promise<T>, here: () => T): Promise<T> {
    if (this.shared) {
      try {
        return await inCluster(this.shared.limits);
      } catch (error) {
        this.shared.fallback.note(error);
      }
    }
    return here();
  }
}
