/**
 * Caps on sockets: per user (open sockets) and per client address (open sockets and upgrades
 * still being checked), so one token or one host cannot exhaust the process's file
 * descriptors. Also the per-user message budget, one bucket shared by all of a user's sockets:
 * opening more sockets does not buy more messages.
 */
import type { Clock } from '../clock';
import { TokenBucket } from '../limits/rate-limit';

export type QuotaLimits = {
  perUser: number;
  perAddress: number;
  messageRatePerSecond: number;
  messageBurst: number;
};

type UserEntry = { sockets: number; budget: TokenBucket };

export class SocketQuota {
  private readonly users = new Map<number, UserEntry>();
  private readonly addresses = new Map<string, number>();

  constructor(
    private readonly limits: QuotaLimits,
    private readonly clock: Clock,
  ) {}

  /** Holds a place for `address` while its upgrade is checked; false when the address is at its cap. */
  takeAddress(address: string): boolean {
    const count = this.addresses.get(address) ?? 0;
    if (count >= this.limits.perAddress) return false;
    this.addresses.set(address, count + 1);
    return true;
  }

  releaseAddress(address: string): void {
    const count = (this.addresses.get(address) ?? 1) - 1;
    if (count <= 0) this.addresses.delete(address);
    else this.addresses.set(address, count);
  }

  /** A place for one more socket of `userId`, with the user's shared budget; undefined at the cap. */
  takeUser(userId: number): TokenBucket | undefined {
    let entry = this.users.get(userId);
    if (entry && entry.sockets >= this.limits.perUser) return undefined;
    if (!entry) this.users.set(userId, (entry = { sockets: 0, budget: new TokenBucket(this.limits.messageRatePerSecond, this.limits.messageBurst, this.clock) }));
    entry.sockets += 1;
    return entry.budget;
  }

  releaseUser(userId: number): void {
    const entry = this.users.get(userId);
    if (!entry) return;
    entry.sockets -= 1;
    // A budget still spent outlives the sockets: closing and reopening does not refill it.
    if (entry.sockets <= 0 && entry.budget.isFull()) this.users.delete(userId);
  }
}
