/**
 * How fast one user and one client address may open sockets: a token bucket per user and per
 * address, checked before the upgrade. The caps in socket-quota.ts bound how many sockets are
 * open at once; this bounds the churn, since every open and close costs presence work and
 * Redis commands in the whole cluster (300 open/close cycles in 0.5 s made 600 presence
 * messages at every monitor). For the whole cluster when it shares Redis (shared-limits.ts).
 */
import type { Clock } from '../clock';
import { SharedRateLimiter, type Shared } from '../limits/shared-limits';

export type OpenRateLimits = {
  userOpensPerMinute: number;
  userBurst: number;
  addressOpensPerMinute: number;
  addressBurst: number;
};

export class SocketOpenRate {
  private readonly users: SharedRateLimiter;
  private readonly addresses: SharedRateLimiter;

  constructor(limits: OpenRateLimits, clock: Clock, shared?: Shared) {
    this.users = new SharedRateLimiter('socket_opens_user', limits.userOpensPerMinute / 60, limits.userBurst, clock, shared);
    this.addresses = new SharedRateLimiter('socket_opens_address', limits.addressOpensPerMinute / 60, limits.addressBurst, clock, shared);
  }

  /** Counts one socket opening from `address`: undefined when allowed, otherwise the seconds to wait. */
  takeAddress(address: string): Promise<number | undefined> {
    return this.addresses.take(address);
  }

  /** Counts one socket opening for `userId`: undefined when allowed, otherwise the seconds to wait. */
  takeUser(userId: number): Promise<number | undefined> {
    return this.users.take(userId);
  }

  close(): void {
    this.users.close();
    this.addresses.close();
  }
}
