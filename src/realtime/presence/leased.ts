/**
 * What every presence backend shares: this instance's own socket counts, the lease heartbeat
 * and the sweep of expired leases. A backend supplies only a `PresenceStore`, whose each
 * operation is atomic where the data is shared (a Lua script in Redis), so two survivors
 * sweeping one dead instance cannot both report its users.
 */
import type { Heartbeat, Presence, PresenceHooks, PresenceOptions } from './presence';

export interface PresenceStore {
  readonly name: string;
  /** +1 socket of `userId` on `instance`; resolves the user's sockets in the cluster after. */
  add(instance: string, userId: number): Promise<number>;
  /** -1 socket; resolves the user's sockets in the cluster after, or -1 if `instance` had none. */
  remove(instance: string, userId: number): Promise<number>;
  users(): Promise<number[]>;
  /** Moves the lease on; false when there was none to move (never taken, or swept). */
  renew(instance: string, expiresAt: number): Promise<boolean>;
  /**
   * Takes the lease and makes `instance`'s sockets exactly `counts` (what the backend lost is
   * put back, what it kept of sockets closed meanwhile is taken out); resolves the users made
   * present and those made absent in the whole cluster.
   */
  rejoin(instance: string, expiresAt: number, counts: [userId: number, sockets: number][]): Promise<Rejoined>;
  /** Instances whose lease ended at or before `now`. */
  expired(now: number): Promise<string[]>;
  /**
   * If `instance`'s lease ended at or before `now`, removes it and its sockets in one atomic
   * step and resolves the users whose last socket that was; otherwise (renewed, or already
   * swept by another) resolves [].
   */
  sweep(instance: string, now: number): Promise<number[]>;
}

export type Rejoined = { joined: number[]; left: number[] };

export const DEFAULT_LEASE_MS = 10_000;

const intervalHeartbeat: Heartbeat = (ms, beat, onError) => {
  const timer = setInterval(() => beat().catch(onError), ms);
  return () => clearInterval(timer);
};

export class LeasedPresence implements Presence {
  readonly name: string;
  private readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly every: Heartbeat;
  /** This instance's open sockets per user: what a rejoin puts back. */
  private readonly mine = new Map<number, number>();
  private hooks: PresenceHooks = {};
  private stopBeating: (() => void) | undefined;

  constructor(private readonly store: PresenceStore, options: PresenceOptions) {
    this.name = store.name;
    this.instanceId = options.instanceId;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.heartbeatMs = options.heartbeatMs ?? Math.floor(this.leaseMs / 3);
    this.now = options.now ?? Date.now;
    this.every = options.every ?? intervalHeartbeat;
    if (this.heartbeatMs >= this.leaseMs) throw new RangeError('the heartbeat must come more often than the lease lasts');
  }

  async add(userId: number): Promise<boolean> {
    this.mine.set(userId, (this.mine.get(userId) ?? 0) + 1);
    return (await this.store.add(this.instanceId, userId)) === 1;
  }

  async remove(userId: number): Promise<boolean> {
    const count = this.mine.get(userId) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.mine.delete(userId);
    else this.mine.set(userId, count - 1);
    return (await this.store.remove(this.instanceId, userId)) === 0;
  }

  connectedUserIds(): Promise<number[]> {
    return this.store.users();
  }

  async start(hooks: PresenceHooks = {}): Promise<void> {
    this.hooks = hooks;
    await this.store.rejoin(this.instanceId, this.now() + this.leaseMs, []);
    this.stopBeating = this.every(this.heartbeatMs, () => this.beat(), (error) => this.hooks.onError?.(error));
  }

  async stop(): Promise<number[]> {
    this.stopBeating?.();
    this.stopBeating = undefined;
    this.hooks = {};
    this.mine.clear();
    return this.store.sweep(this.instanceId, Number.MAX_SAFE_INTEGER);
  }

  async retake(): Promise<void> {
    const { joined, left } = await this.store.rejoin(this.instanceId, this.now() + this.leaseMs, [...this.mine]);
    if (joined.length > 0) this.hooks.onRejoin?.(joined);
    if (left.length > 0) this.hooks.onLeave?.(left);
  }

  /** Renews the lease (putting the sockets back if it was swept), then sweeps expired ones. */
  private async beat(): Promise<void> {
    try {
      const now = this.now();
      if (!(await this.store.renew(this.instanceId, now + this.leaseMs))) await this.retake();
      for (const dead of await this.store.expired(now)) {
        if (dead === this.instanceId) continue;
        const left = await this.store.sweep(dead, now);
        if (left.length > 0) this.hooks.onLeave?.(left);
      }
    } catch (error) {
      // Redis down: the next beat tries again; a lease lost meanwhile is rejoined then.
      this.hooks.onError?.(error);
    }
  }
}
