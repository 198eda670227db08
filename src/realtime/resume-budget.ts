/**
 * How many events one user's resumes may replay per interval: a token bucket per user, full at
 * `events`, refilled over `intervalMs`. A resume costs one (it reads the database even when
 * nothing is missed) plus one per event it replays; one past the budget is closed `4005` with
 * nothing replayed, and the client backs off. Without it, sixteen sockets looping
 * `since=<id>-1` over 1,000 events replayed 793 MB in 10 s and slowed every other player.
 * Per instance, like the other limiters.
 */
import type { Clock } from '../clock';
import { KeyedRateLimiter } from '../http/rate-limit';

export type ResumeBudgetLimits = { events: number; intervalMs: number };

export class ResumeBudget {
  private readonly users: KeyedRateLimiter;

  constructor(limits: ResumeBudgetLimits, clock: Clock) {
    this.users = new KeyedRateLimiter(limits.events / (limits.intervalMs / 1000), limits.events, clock);
  }

  /** Takes `events` of `userId`'s budget: undefined when it held them, otherwise the seconds until it will (none taken). */
  take(userId: number, events: number): number | undefined {
    return events <= 0 ? undefined : this.users.take(userId, events);
  }

  close(): void {
    this.users.close();
  }
}
