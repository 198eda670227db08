/**
 * Time and chance as the streams see them, injectable so a test can run backoff without sleeping
 * and read the delays the stream asked for.
 */

export type TimerHandle = unknown;

export interface Scheduler {
  setTimeout(run: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Epoch milliseconds. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
  now: () => Date.now(),
  random: () => Math.random(),
};

export type BackoffOptions = {
  /** Ceiling of the first retry's delay. */
  baseMs: number;
  /** No retry waits longer than this. */
  maxMs: number;
};

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, base·2^attempt)).
 * Full jitter spreads a crowd of clients dropped by one restart over the whole window, so they
 * do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random * ceiling);
}

/**
 * Backoff that never comes straight back: half the ceiling, plus up to the other half drawn at
 * random ("equal jitter"), the ceiling doubling per attempt. For a close that says the server is
 * rationing this client (4005), where an early retry would only be refused again.
 */
export function patientBackoffDelay(attempt: number, random: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(ceiling / 2 + random * (ceiling / 2));
}

/**
 * When to replace a token that expires in `expiresInSeconds`: `marginMs` before, or at 80% of
 * its life when that is shorter, leaving room for a slow network and a skewed clock.
 */
export function refreshDelayMs(expiresInSeconds: number, marginMs = 60_000): number {
  const lifeMs = expiresInSeconds * 1000;
  return Math.max(0, lifeMs - Math.min(marginMs, lifeMs / 5));
}
