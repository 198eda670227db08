/**
 * Presence in this process's memory. One instance by default; instances given the same
 * `MemoryPresenceStore` share it as they would share Redis, which is how the presence contract
 * and the lead's hub tests exercise several instances without Redis. Each store operation is
 * synchronous, hence atomic, as the Redis scripts are.
 */
import { LeasedPresence, type PresenceStore, type Rejoined } from './leased';
import type { Presence, PresenceOptions } from './presence';

export class MemoryPresenceStore implements PresenceStore {
  readonly name = 'memory';
  private readonly leases = new Map<string, number>();
  private readonly sockets = new Map<string, Map<number, number>>();
  private readonly totals = new Map<number, number>();

  async add(instance: string, userId: number): Promise<number> {
    const mine = this.socketsOf(instance);
    mine.set(userId, (mine.get(userId) ?? 0) + 1);
    return this.addTotal(userId, 1);
  }

  async remove(instance: string, userId: number): Promise<number> {
    const mine = this.sockets.get(instance);
    const count = mine?.get(userId) ?? 0;
    if (!mine || count <= 0) return -1;
    if (count === 1) mine.delete(userId);
    else mine.set(userId, count - 1);
    return this.addTotal(userId, -1);
  }

  async users(): Promise<number[]> {
    return [...this.totals.keys()];
  }

  async renew(instance: string, expiresAt: number): Promise<boolean> {
    if (!this.leases.has(instance)) return false;
    this.leases.set(instance, expiresAt);
    return true;
  }

  async rejoin(instance: string, expiresAt: number, counts: [number, number][]): Promise<Rejoined> {
    this.leases.set(instance, expiresAt);
    const mine = this.socketsOf(instance);
    const want = new Map(counts.filter(([, count]) => count > 0));
    const result: Rejoined = { joined: [], left: [] };
    for (const userId of new Set([...mine.keys(), ...want.keys()])) {
      const delta = (want.get(userId) ?? 0) - (mine.get(userId) ?? 0);
      if (delta === 0) continue;
      if (want.has(userId)) mine.set(userId, want.get(userId)!);
      else mine.delete(userId);
      const total = this.addTotal(userId, delta);
      if (total === 0 && total - delta > 0) result.left.push(userId);
      if (total > 0 && total - delta <= 0) result.joined.push(userId);
    }
    return result;
  }

  async expired(now: number): Promise<string[]> {
    return [...this.leases].filter(([, expiresAt]) => expiresAt <= now).map(([instance]) => instance);
  }

  async sweep(instance: string, now: number): Promise<number[]> {
    const expiresAt = this.leases.get(instance);
    if (expiresAt === undefined || expiresAt > now) return [];
    this.leases.delete(instance);
    const left: number[] = [];
    for (const [userId, count] of this.sockets.get(instance) ?? []) if (this.addTotal(userId, -count) === 0) left.push(userId);
    this.sockets.delete(instance);
    return left;
  }

  private socketsOf(instance: string): Map<number, number> {
    let mine = this.sockets.get(instance);
    if (!mine) this.sockets.set(instance, (mine = new Map()));
    return mine;
  }

  /** Adds `delta` to the user's cluster total and resolves the new total (0: entry gone). */
  private addTotal(userId: number, delta: number): number {
    const total = (this.totals.get(userId) ?? 0) + delta;
    if (total <= 0) this.totals.delete(userId);
    else this.totals.set(userId, total);
    return Math.max(total, 0);
  }
}

export function createMemoryPresence(options: PresenceOptions, store = new MemoryPresenceStore()): Presence {
  return new LeasedPresence(store, options);
}
