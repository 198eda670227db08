/**
 * How many events one user's resumes may replay per interval: a token bucket per user, full at
 * `events`, refilled over `intervalMs`. A resume costs one (it reads the database even when
 * nothing is missed) plus one per event it replays; one past the budget is closed `4005` with
 * nothing replayed, and the client backs off. Without it, sixteen sockets looping
 * `since=<id>-1` over 1,000 events replayed 793 MB in 10 s and slowed every other player.
 * For the whole cluster when it shares Redis (shared-limits.ts).
 */
import type { Clock } from '../clock';
import { SharedRateLimiter, type Shared } from '../limits/shared-limits';

export type ResumeBudgetLimits = { events: number; intervalMs: number };

export class ResumeBudget {
  private readonly users: SharedRateLimiter;

  constructor(limits: ResumeBudgetLimits, clock: Clock, shared?: Shared) {
    this.users = new SharedRateLimiter('resume_events', limits.events / (limits.intervalMs / 1000), limits.events, clock, shared);
  }

  /** Takes `events` of `userId`'s budget: undefined when it held them, otherwise the seconds until it will (none taken). */
  async take(userId: number, events: number): Promise<number | undefined> {
    return events <= 0 ? undefined : this.users.take(userId, events);
  }

  close(): void {
    this.users.close();
  }
}
