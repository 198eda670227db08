/**
 * Leaves held back for a grace period: a user whose last socket here closed is told gone only
 * once the grace has passed with no socket of theirs opened again, so a reconnect, a page
 * reload or an open/close storm makes no presence messages at all (300 open/close cycles made
 * 600 at every monitor). Bookkeeping only, on the injected clock; the tracker asks what is due.
 */
export class LeaveGrace {
  /** User id → when their leave is due (epoch ms). */
  private readonly due = new Map<number, number>();

  constructor(
    readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.due.size;
  }

  /** Holds back the leave of `userId`, whose last socket here has just closed. */
  hold(userId: number): void {
    this.due.set(userId, this.now() + this.graceMs);
  }

  /** A socket of `userId` opened: true when a held leave was cancelled (the user never left). */
  cancel(userId: number): boolean {
    return this.due.delete(userId);
  }

  /** The users whose grace has passed, taken out. */
  takeDue(): number[] {
    const now = this.now();
    const due: number[] = [];
    for (const [userId, at] of this.due) {
      if (at > now) continue;
      this.due.delete(userId);
      due.push(userId);
    }
    return due;
  }

  clear(): void {
    this.due.clear();
  }
}
