/**
 * Who is online, as this instance tells it: its own sockets counted per user, the cluster's
 * presence asked at a user's first and last socket here (so `join` and `leave` go out once in
 * the whole cluster), and a mirror of who is online anywhere, kept by the presence messages
 * every instance receives. After a broker outage the mirror is compared with the cluster's
 * presence again and the monitors here are told what changed.
 */
import type { PresenceChange } from '../broker/broker';
import type { DeliveryReport } from '../delivery-report';
import { messages } from '../events';
import { LeaveGrace } from './leave-grace';
import type { Presence } from './presence';

/** Where presence messages go out to every instance (outbound.ts). */
export interface PresenceAnnouncer {
  publishPresence(message: string): void;
}

/** This instance's monitors (local-delivery.ts): told each change of who is online, while they are shown presence. */
export interface PresenceShown {
  readonly showsPresence: boolean;
  presence(message: string): void;
}

/**
 * Who is online across the cluster (realtime/presence/presence.ts): the part of `Presence` the
 * tracker calls. Each call is about this instance's sockets: `add` at a user's first socket here
 * resolves true when it is the user's first in the cluster; `remove` at the last here resolves
 * true when it was the last in the cluster.
 */
export type ClusterPresence = Pick<Presence, 'add' | 'remove' | 'connectedUserIds'> & Partial<Pick<Presence, 'retake'>>;

type Status = 'join' | 'leave';

/** A change this instance found (refresh()), as if it had been delivered. */
const changeOf = (userId: number, status: Status): PresenceChange => ({ userId, status, message: messages.presence(userId, status) });

/**
 * After a broker outage, how long a user missing from the cluster presence stays shown online
 * before the monitors here are told `leave`. Redis may have come back empty: every live
 * instance puts its sockets back when it reconnects, or at its next heartbeat (a third of the
 * 10 s lease), so a user still missing after this has really gone.
 */
const PRESENCE_SETTLE_MS = 5_000;
const REFRESH_RETRY_MS = 1_000;
/** How often held leaves are checked against the clock (at most; sooner for a shorter grace). */
const LEAVE_CHECK_MS = 250;

export class PresenceTracker {
  /** Open user sockets per user on this instance: presence changes on the first and the last. */
  private readonly connections = new Map<number, number>();
  /** Users online in the whole cluster, as the presence messages delivered here tell. */
  private readonly online = new Set<number>();
  /** Per user, the presence change under way: changes of one user run one after another. */
  private readonly changes = new Map<number, Promise<void>>();
  private settleTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  /** Runs while leaves are held, to let out those whose grace has passed. */
  private leaveTimer: Timer | undefined;
  private readonly leaves: LeaveGrace;
  private isStopped = false;

  constructor(
    private readonly deps: {
      /** Without it, this instance's sockets are the whole story. */
      presence?: ClusterPresence;
      /** Publishes presence messages to every instance (through the broker). */
      outbound: PresenceAnnouncer;
      /** This instance's monitors. */
      monitors: PresenceShown;
      report: Pick<DeliveryReport, 'failed'>;
      /**
       * How long a user whose last socket here closed still counts as here (0: not at all).
       * Until then the cluster presence is not told either: the user stays online everywhere.
       */
      leaveGraceMs?: number;
      /** Epoch ms, for the grace (the injected clock). */
      now?: () => number;
    },
  ) {
    this.leaves = new LeaveGrace(deps.leaveGraceMs ?? 0, deps.now ?? Date.now);
  }

  /** Counts a user's socket in; the user's first socket in the cluster announces `join`. */
  connect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    this.connections.set(userId, count + 1);
    // Back within the grace: never gone, so nothing to announce.
    if (count === 0 && !this.leaves.cancel(userId)) this.change(userId, 'join');
  }

  /**
   * Counts a user's socket out; the user's last socket in the cluster announces `leave`, once
   * the grace has passed without a socket of theirs opening here again.
   */
  disconnect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    if (count <= 1) {
      this.connections.delete(userId);
      if (count === 1) this.leaveLater(userId);
    } else {
      this.connections.set(userId, count - 1);
    }
  }

  /** Users whose last socket here closed, their leave held back for the grace. */
  get heldLeaves(): number {
    return this.leaves.size;
  }

  /** Resolves once every presence change started so far has been told to the cluster (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.changes.size > 0) await Promise.all(this.changes.values());
  }

  /** Users with a socket open anywhere in the cluster. */
  connectedUserIds(): number[] {
    return [...this.online];
  }

  /**
   * A presence message delivered (or found by refresh()): while the monitors here are shown
   * presence, it updates who is online and, if it changes that, goes on to them; another
   * instance's repeat (e.g. after an outage) goes nowhere.
   */
  take({ userId, status, message }: PresenceChange): void {
    if (!this.deps.monitors.showsPresence) return;
    const isChange = status === 'join' ? !this.online.has(userId) : this.online.has(userId);
    if (!isChange) return;
    if (status === 'join') this.online.add(userId);
    else this.online.delete(userId);
    this.deps.monitors.presence(message);
  }

  /**
   * The last monitor here closed: presence messages stop coming, so the mirror would go stale.
   * Emptied; the next monitor's feed fills it again from the cluster presence (refresh()).
   */
  forgetOnline(): void {
    this.online.clear();
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
  }

  /** Users whose last socket was on an instance that died: announced gone by a survivor. */
  announceGone(userIds: readonly number[]): void {
    for (const userId of userIds) this.deps.outbound.publishPresence(messages.presence(userId, 'leave'));
  }

  /** Users made present again after this instance's lease was taken back (a long pause). */
  announceBack(userIds: readonly number[]): void {
    for (const userId of userIds) this.deps.outbound.publishPresence(messages.presence(userId, 'join'));
  }

  /**
   * Reads who is online from the cluster presence and tells the monitors here what changed
   * (after a broker outage, presence messages may have been missed). This instance's sockets
   * are put back first; a user missing is told gone only if still missing `PRESENCE_SETTLE_MS`
   * later, once every live instance has put its own back (a restarted Redis is empty).
   */
  async refresh(): Promise<void> {
    const { presence } = this.deps;
    if (!presence || this.isStopped) return;
    await presence.retake?.();
    const now = new Set(await presence.connectedUserIds());
    for (const userId of now) if (!this.online.has(userId)) this.take(changeOf(userId, 'join'));
    const missing = [...this.online].filter((userId) => !now.has(userId));
    if (missing.length === 0) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      presence.connectedUserIds().then((later) => {
        const still = new Set(later);
        for (const userId of missing) if (!still.has(userId)) this.take(changeOf(userId, 'leave'));
      }, (error) => this.deps.report.failed('presence', error));
    }, PRESENCE_SETTLE_MS);
    this.settleTimer.unref?.();
  }

  /**
   * refresh() after a broker outage, tried again every second while it fails: the presence
   * connection may come back after the broker's, and until the refresh runs, a user who left
   * during the outage is never told gone.
   */
  refreshUntilDone(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.refresh().catch((error) => {
      this.deps.report.failed('presence', error);
      if (this.isStopped) return;
      this.retryTimer = setTimeout(() => this.refreshUntilDone(), REFRESH_RETRY_MS);
      this.retryTimer.unref?.();
    });
  }

  stop(): void {
    this.isStopped = true;
    for (const timer of [this.settleTimer, this.retryTimer]) clearTimeout(timer);
    clearInterval(this.leaveTimer);
    this.settleTimer = this.retryTimer = this.leaveTimer = undefined;
    // Held leaves are dropped: a cluster presence's own stop() still counts those sockets, removes them and reports the
    // users gone; alone, the monitors close with the instance.
    this.leaves.clear();
  }

  private leaveLater(userId: number): void {
    if (this.leaves.graceMs <= 0) {
      this.change(userId, 'leave');
      return;
    }
    this.leaves.hold(userId);
    if (this.leaveTimer || this.isStopped) return;
    this.leaveTimer = setInterval(() => this.letOutDueLeaves(), Math.min(LEAVE_CHECK_MS, this.leaves.graceMs));
    this.leaveTimer.unref?.();
  }

  private letOutDueLeaves(): void {
    for (const userId of this.leaves.takeDue()) this.change(userId, 'leave');
    if (this.leaves.size > 0) return;
    clearInterval(this.leaveTimer);
    this.leaveTimer = undefined;
  }

  private change(userId: number, status: Status): void {
    const { presence } = this.deps;
    if (!presence) {
      this.deps.outbound.publishPresence(messages.presence(userId, status));
      return;
    }
    const previous = this.changes.get(userId) ?? Promise.resolve();
    const change = previous
      .then(() => (status === 'join' ? presence.add(userId) : presence.remove(userId)))
      .then((isClusterWide) => {
        if (isClusterWide) this.deps.outbound.publishPresence(messages.presence(userId, status));
      })
      .catch((error) => this.deps.report.failed('presence', error))
      .finally(() => {
        if (this.changes.get(userId) === change) this.changes.delete(userId);
      });
    this.changes.set(userId, change);
  }
}
