/**
 * The hub: who is connected, the ring buffer of recent events, and the one delivery path from
 * the broker to Bun's topics. Publishing goes through the broker; the ring buffer and the local
 * `server.publish` happen only where the broker delivers, so with one instance or many the
 * same code runs. Each user's events leave here in `seq` order (see sequencer.ts).
 */
import type { Broker } from './broker/broker';
import { gameEventHead, messages } from './events';
import { MonitorFeed } from './monitor-feed';
import { RecentEvents } from './recent-events';
import { Sequencer, type MissedEvents } from './sequencer';

/** The user's newest seq below `beforeSeq` committed before `before` (epoch ms); 0 if none. */
export type LastSeqBefore = (userId: number, beforeSeq: number, before: number) => Promise<number>;

export { MONITOR_TOPIC } from './monitor-feed';
export const userTopic = (userId: number) => `user:${userId}`;
const USER_TOPIC_PREFIX = 'user:';
/** The broker topic of game_events; the hub fans each out to `user:<id>` and the monitors. */
export const EVENTS_TOPIC = 'events';
/** The broker topic of presence changes. */
export const PRESENCE_TOPIC = 'presence';

/** Bun's `server.publish`: native fan-out to every socket subscribed to the topic. */
export type TopicPublisher = (topic: string, message: string) => unknown;

/** Every user's events committed since a time, oldest first: what a broker outage may have kept from this instance. */
export type EventsSince = (since: number) => Promise<{ userId: number; seq: number; payload: string }[]>;

/**
 * Who is online across the cluster (realtime/presence/). Each call is about this instance's
 * sockets: `add` at a user's first socket here resolves true when it is the user's first in
 * the cluster; `remove` at the last here resolves true when it was the last in the cluster.
 */
export interface ClusterPresence {
  add(userId: number): Promise<boolean>;
  remove(userId: number): Promise<boolean>;
  connectedUserIds(): Promise<number[]>;
  /** Puts this instance's sockets back if the backend lost them (see presence.ts `retake`). */
  retake?(): Promise<void>;
}

export type HubOptions = {
  /** Cluster presence; without it, this instance's sockets are the whole story. */
  presence?: ClusterPresence;
  recentEvents: number;
  /** Reads a user's events between two seqs from the database, to fill a gap. */
  missed?: MissedEvents;
  /**
   * Where a user's stream on this instance starts (events committed before it began
   * delivering are not owed): lets the first event seen of a user wait for an earlier one
   * still on its way from another instance.
   */
  lastSeqBefore?: LastSeqBefore;
  /** Reads what was committed during a broker outage, to deliver it once the broker is back. */
  eventsSince?: EventsSince;
  /** A publish the broker could not take, or missed events that could not be read: logged and counted by the caller. */
  onError?: (what: 'publish' | 'gap_fill' | 'catch_up' | 'presence', error: unknown) => void;
  now?: () => number;
};

/** How far before a broker outage was noticed the catch-up reads, for messages in flight then. */
const CATCH_UP_SLACK_MS = 5_000;
/** Failed event publishes kept for a retry; past this the oldest go (receivers still fill gaps from the database). */
const MAX_RETRIES = 10_000;
const RETRY_INTERVAL_MS = 1_000;
/**
 * After a broker outage, how long a user missing from the cluster presence stays shown online
 * before the monitors here are told `leave`. Redis may have come back empty: every live
 * instance puts its sockets back when it reconnects, or at its next heartbeat (a third of the
 * 10 s lease), so a user still missing after this has really gone.
 */
const PRESENCE_SETTLE_MS = 5_000;

export class Hub {
  private readonly recent: RecentEvents;
  /** Open user sockets per user on this instance: presence changes on the first and the last. */
  private readonly connections = new Map<number, number>();
  /** Users online in the whole cluster, as the presence messages delivered here tell. */
  private readonly online = new Set<number>();
  /** Per user, the presence change under way: changes of one user run one after another. */
  private readonly presenceChanges = new Map<number, Promise<void>>();
  /** Sockets catching up with `since`: they get their user's messages here until subscribed. */
  private readonly watchers = new Map<number, Set<(message: string) => void>>();
  private readonly sequencer: Sequencer;
  readonly monitors = new MonitorFeed();
  private publishLocal: TopicPublisher | undefined;
  /** When the broker was last seen to go away (undefined while connected). */
  private disconnectedAt: number | undefined;
  /** Events whose publish failed: published again once the broker takes them. */
  private retries: string[] = [];
  private retryTimer: Timer | undefined;
  private presenceSettleTimer: Timer | undefined;
  private presenceRetryTimer: Timer | undefined;
  private readonly now: () => number;
  /** When this instance began delivering: events committed before it are not owed here. */
  private startedAt = 0;

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
  ) {
    this.recent = new RecentEvents(options.recentEvents);
    this.now = options.now ?? Date.now;
    const { lastSeqBefore } = options;
    this.sequencer = new Sequencer(
      (userId, message) => this.deliverEvent(userId, message),
      options.missed,
      (error) => options.onError?.('gap_fill', error),
      lastSeqBefore && ((userId, beforeSeq) => lastSeqBefore(userId, beforeSeq, this.startedAt)),
    );
  }

  /** The broker backend's name ("memory", "redis"), for logs. */
  get brokerName(): string {
    return this.broker.name;
  }

  /** Starts taking deliveries from the broker and sending them to `publishLocal`'s topics. */
  async start(publishLocal: TopicPublisher): Promise<void> {
    this.publishLocal = publishLocal;
    this.startedAt = this.now();
    await this.broker.start((topic, message) => this.deliver(topic, message), {
      onDisconnect: () => {
        this.disconnectedAt ??= this.now();
      },
      onReconnect: () => {
        void this.recover();
        this.refreshPresenceUntilDone();
      },
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    for (const timer of [this.presenceSettleTimer, this.presenceRetryTimer]) clearTimeout(timer);
    this.presenceSettleTimer = this.presenceRetryTimer = undefined;
    await this.broker.stop();
    this.publishLocal = undefined;
  }

  /** False while the broker cannot reach the other instances: local delivery goes on, the rest is delayed. */
  get isConnected(): boolean {
    return this.broker.connected;
  }

  /**
   * After a broker outage: publish again what failed, then deliver what the other instances
   * committed meanwhile, read from the database (the sequencer drops what already arrived and
   * keeps each user's order).
   */
  async recover(): Promise<void> {
    const since = (this.disconnectedAt ?? this.now()) - CATCH_UP_SLACK_MS;
    this.disconnectedAt = undefined;
    this.retryFailed();
    if (!this.options.eventsSince) return;
    try {
      for (const event of await this.options.eventsSince(since)) this.sequencer.accept(event.userId, event.seq, event.payload);
    } catch (error) {
      this.options.onError?.('catch_up', error);
      this.disconnectedAt ??= since + CATCH_UP_SLACK_MS;
    }
  }

  /** Refills the recent events (serialized game_events, oldest first), e.g. from the database. */
  seedRecent(events: readonly string[]): void {
    for (const event of events) this.recent.push(event);
  }

  /** One serialized game_event: the same string goes to the user's topic and to the monitors. */
  publishGameEvent(gameEvent: string): void {
    this.publish(EVENTS_TOPIC, gameEvent);
  }

  publishToUser(userId: number, message: string): void {
    this.publish(userTopic(userId), message);
  }

  /** Counts a user's socket in; the user's first socket in the cluster announces `join` to the monitors. */
  connect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    this.connections.set(userId, count + 1);
    if (count === 0) this.changePresence(userId, 'join');
  }

  /** Counts a user's socket out; the user's last socket in the cluster announces `leave`. */
  disconnect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    if (count <= 1) {
      this.connections.delete(userId);
      if (count === 1) this.changePresence(userId, 'leave');
    } else {
      this.connections.set(userId, count - 1);
    }
  }

  /** Users with a socket open anywhere in the cluster. */
  connectedUserIds(): number[] {
    return [...this.online];
  }

  /** Users whose last socket was on an instance that died: announced gone by a survivor. */
  announceGone(userIds: readonly number[]): void {
    for (const userId of userIds) this.publish(PRESENCE_TOPIC, messages.presence(userId, 'leave'));
  }

  /** Users made present again after this instance's lease was taken back (a long pause). */
  announceBack(userIds: readonly number[]): void {
    for (const userId of userIds) this.publish(PRESENCE_TOPIC, messages.presence(userId, 'join'));
  }

  /**
   * Reads who is online from the cluster presence and tells the monitors here what changed
   * (after a broker outage, presence messages may have been missed). This instance's sockets
   * are put back first; a user missing is told gone only if still missing `PRESENCE_SETTLE_MS`
   * later, once every live instance has put its own back (a restarted Redis is empty).
   */
  async refreshPresence(): Promise<void> {
    const { presence } = this.options;
    if (!presence || !this.publishLocal) return;
    await presence.retake?.();
    const now = new Set(await presence.connectedUserIds());
    for (const userId of now) if (!this.online.has(userId)) this.deliver(PRESENCE_TOPIC, messages.presence(userId, 'join'));
    const missing = [...this.online].filter((userId) => !now.has(userId));
    if (missing.length === 0) return;
    clearTimeout(this.presenceSettleTimer);
    this.presenceSettleTimer = setTimeout(() => {
      this.presenceSettleTimer = undefined;
      presence.connectedUserIds().then((later) => {
        const still = new Set(later);
        for (const userId of missing) if (!still.has(userId)) this.deliver(PRESENCE_TOPIC, messages.presence(userId, 'leave'));
      }, (error) => this.options.onError?.('presence', error));
    }, PRESENCE_SETTLE_MS);
    this.presenceSettleTimer.unref?.();
  }

  /**
   * refreshPresence() after a broker outage, tried again every `RETRY_INTERVAL_MS` while it
   * fails: the presence connection may come back after the broker's, and until the refresh
   * runs, a user who left during the outage is never told gone.
   */
  private refreshPresenceUntilDone(): void {
    clearTimeout(this.presenceRetryTimer);
    this.presenceRetryTimer = undefined;
    this.refreshPresence().catch((error) => {
      this.options.onError?.('presence', error);
      if (!this.publishLocal) return;
      this.presenceRetryTimer = setTimeout(() => this.refreshPresenceUntilDone(), RETRY_INTERVAL_MS);
      this.presenceRetryTimer.unref?.();
    });
  }

  private changePresence(userId: number, status: 'join' | 'leave'): void {
    const { presence } = this.options;
    if (!presence) {
      this.publish(PRESENCE_TOPIC, messages.presence(userId, status));
      return;
    }
    const previous = this.presenceChanges.get(userId) ?? Promise.resolve();
    const change = previous
      .then(() => (status === 'join' ? presence.add(userId) : presence.remove(userId)))
      .then((isClusterWide) => {
        if (isClusterWide) this.publish(PRESENCE_TOPIC, messages.presence(userId, status));
      })
      .catch((error) => this.options.onError?.('presence', error))
      .finally(() => {
        if (this.presenceChanges.get(userId) === change) this.presenceChanges.delete(userId);
      });
    this.presenceChanges.set(userId, change);
  }

  /** Serialized game_events, oldest first. */
  recentEvents(): string[] {
    return this.recent.latest();
  }

  /**
   * Hands `listener` every message for `userId` until the returned function is called. Used
   * while a resuming socket reads history, before it subscribes to its topic.
   */
  watch(userId: number, listener: (message: string) => void): () => void {
    let set = this.watchers.get(userId);
    if (!set) this.watchers.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(userId);
    };
  }

  /**
   * Publishes through the broker; a failure is reported, never dropped in silence, and a
   * game_event that failed is published again later.
   */
  private publish(topic: string, message: string): void {
    this.broker.publish(topic, message).catch((error) => {
      this.options.onError?.('publish', error);
      if (topic === EVENTS_TOPIC) this.keepForRetry(message);
    });
  }

  private keepForRetry(message: string): void {
    this.disconnectedAt ??= this.now();
    this.retries.push(message);
    if (this.retries.length > MAX_RETRIES) this.retries.splice(0, this.retries.length - MAX_RETRIES);
    this.retryTimer ??= setInterval(() => this.broker.connected && this.retryFailed(), RETRY_INTERVAL_MS);
    this.retryTimer.unref?.();
  }

  private retryFailed(): void {
    const due = this.retries;
    this.retries = [];
    if (due.length === 0) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
    for (const message of due) this.publish(EVENTS_TOPIC, message);
  }

  private deliver(topic: string, message: string): void {
    if (topic === EVENTS_TOPIC) {
      const head = gameEventHead(message);
      if (head) this.sequencer.accept(head.userId, head.seq, message);
      return;
    }
    if (topic === PRESENCE_TOPIC) {
      const { user_id, status } = JSON.parse(message) as { user_id: number; status: 'join' | 'leave' };
      const isChange = status === 'join' ? !this.online.has(user_id) : this.online.has(user_id);
      if (!isChange) return; // another instance's repeat (e.g. after an outage)
      if (status === 'join') this.online.add(user_id);
      else this.online.delete(user_id);
      if (this.publishLocal) this.monitors.publishPresence(message, this.publishLocal);
      return;
    }
    if (topic.startsWith(USER_TOPIC_PREFIX)) this.notifyWatchers(Number(topic.slice(USER_TOPIC_PREFIX.length)), message);
    this.publishLocal?.(topic, message);
  }

  /** A game_event in its user's order: recent events, resuming sockets, the user's topic, the monitors. */
  private deliverEvent(userId: number, message: string): void {
    this.recent.push(message);
    this.notifyWatchers(userId, message);
    if (!this.publishLocal) return;
    this.publishLocal(userTopic(userId), message);
    this.monitors.publishEvent(message, this.publishLocal);
  }

  private notifyWatchers(userId: number, message: string): void {
    if (this.watchers.size === 0) return;
    const listeners = this.watchers.get(userId);
    if (listeners) for (const listener of listeners) listener(message);
  }
}
