/**
 * The per-user and per-address socket caps for the whole cluster (with Redis): a socket takes a
 * place in Redis as well as here (socket-quota.ts), so three instances cannot let a cap of 3 open
 * 4. A place Redis cannot give (it does not answer) is not refused: the instance's own caps hold
 * meanwhile, and `LimitsFallback` says so.
 */
import type { Shared } from '../limits/shared-limits';

export type ClusterPlace = { full: 'user' | 'address' } | { release: () => void };

const nothing = () => {};

export class ClusterSocketCaps {
  constructor(
    private readonly shared: Shared | undefined,
    private readonly caps: { perUser: number; perAddress: number },
  ) {}

  /** A place for one more socket of `userId` from `address` in the cluster, or which cap is full. */
  async take(userId: number, address: string): Promise<ClusterPlace> {
    if (!this.shared) return { release: nothing };
    const { limits, fallback } = this.shared;
    const user = `u:${userId}`;
    const from = `a:${address}`;
    try {
      if (!(await limits.takeSocket(user, this.caps.perUser))) return { full: 'user' };
      if (!(await limits.takeSocket(from, this.caps.perAddress))) {
        await limits.releaseSocket(user);
        return { full: 'address' };
      }
    } catch (error) {
      fallback.note(error);
      return { release: nothing };
    }
    let isReleased = false;
    return {
      release: () => {
        if (isReleased) return;
        isReleased = true;
        for (const key of [user, from]) limits.releaseSocket(key).catch((error) => fallback.note(error));
      },
    };
  }
}
