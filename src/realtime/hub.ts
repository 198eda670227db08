/**
 * The hub: the ring buffer of recent events, who is online (presence-tracker.ts), and the one delivery path from
 * the broker to Bun's topics. Publishing goes through the broker; the ring buffer and the local
 * `server.publish` happen only where the broker delivers, so with one instance or many the
 * same code runs. Each user's events leave here in `seq` order for the user's sockets
 * (sequencer.ts), and every user's in cursor order for the monitors (feed-order.ts).
 */
import type { Broker } from './broker/broker';
import { CONTROL_TOPIC } from './control';
import { cursorOf, gameEventHead, messages } from './events';
import { FeedOrder, type FeedMissed } from './feed-order';
import { MonitorFeed } from './monitor-feed';
import { RecentEvents } from './recent-events';
import { PresenceTracker, type ClusterPresence } from './presence/online-users';
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
  /** Takes the cluster's control messages (control.ts), this instance's own included. */
  control?: (message: string) => void;
  /** Reads stored events by cursor, to fill a gap in the monitors' order (feed-order.ts). */
  feedMissed?: FeedMissed;
  /** The newest cursor committed: where the monitors' feed starts on this instance. */
  latestCursor?: () => Promise<number>;
  /** A publish the broker could not take, or missed events that could not be read: logged and counted by the caller. */
  onError?: (what: 'publish' | 'gap_fill' | 'catch_up' | 'presence' | 'feed', error: unknown) => void;
  /** A frame from another instance dropped by the broker (never delivered): counted and logged by the caller. */
  onDropped?: (reason: string, error?: unknown) => void;
  now?: () => number;
};

/** How far before a broker outage was noticed the catch-up reads, for messages in flight then. */
const CATCH_UP_SLACK_MS = 5_000;
/** Failed event publishes kept for a retry; past this the oldest go (receivers still fill gaps from the database). */
const MAX_RETRIES = 10_000;
const RETRY_INTERVAL_MS = 1_000;

export class Hub {
  private readonly recent: RecentEvents;
  /** Who is online: this instance's sockets, the cluster's presence, the mirror the monitors see. */
  readonly presence: PresenceTracker;
  /** Sockets catching up with `since`: they get their user's messages here until subscribed. */
  private readonly watchers = new Map<number, Set<(message: string) => void>>();
  /** Monitors catching up with `since`: they get the feed's events here until subscribed. */
  private readonly feedWatchers = new Set<(message: string) => void>();
  private readonly sequencer: Sequencer;
  /** Every user's events for the monitors, in cursor order (the same on every instance). */
  private readonly feed: FeedOrder;
  readonly monitors = new MonitorFeed();
  private publishLocal: TopicPublisher | undefined;
  /** When the broker was last seen to go away (undefined while connected). */
  private disconnectedAt: number | undefined;
  /** Events whose publish failed: published again once the broker takes them. */
  private retries: string[] = [];
  private retryTimer: Timer | undefined;
  /** A catch-up that failed, tried again (nothing else would before the next outage). */
  private catchUpTimer: Timer | undefined;
  private readonly now: () => number;
  /** When this instance began delivering: events committed before it are not owed here. */
  private startedAt = 0;

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
  ) {
    this.recent = new RecentEvents(options.recentEvents);
    this.now = options.now ?? Date.now;
    this.presence = new PresenceTracker({
      presence: options.presence,
      announce: (message) => this.publish(PRESENCE_TOPIC, message),
      show: (message) => this.deliver(PRESENCE_TOPIC, message),
      onError: (error) => options.onError?.('presence', error),
    });
    this.feed = new FeedOrder(
      (message) => this.deliverToMonitors(message),
      options.feedMissed,
      (error) => options.onError?.('feed', error),
    );
    const { lastSeqBefore } = options;
    this.sequencer = new Sequencer(
      (userId, message) => this.deliverEvent(userId, message),
      options.missed,
      (error) => options.onError?.('gap_fill', error),
      lastSeqBefore && ((userId, beforeSeq) => lastSeqBefore(userId, beforeSeq, this.startedAt)),
      () => options.onDropped?.('unknown_seq'),
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
    // Without it (the database away), the feed starts at the first event that arrives.
    if (this.options.latestCursor) await this.options.latestCursor().then((cursor) => this.feed.startAt(cursor), (error) => this.options.onError?.('feed', error));
    await this.broker.start((topic, message) => this.deliver(topic, message), {
      onDisconnect: () => {
        this.disconnectedAt ??= this.now();
      },
      onDropped: (reason, error) => this.options.onDropped?.(reason, error),
      onReconnect: () => {
        this.recoverOwned();
        this.presence.refreshUntilDone();
      },
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    clearTimeout(this.catchUpTimer);
    this.retryTimer = this.catchUpTimer = undefined;
    this.feed.stop();
    this.presence.stop();
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
    clearTimeout(this.catchUpTimer); // this run replaces a retry still waiting
    this.retryFailed();
    if (!this.options.eventsSince) return;
    try {
      for (const event of await this.options.eventsSince(since)) this.deliver(EVENTS_TOPIC, event.payload);
    } catch (error) {
      this.options.onError?.('catch_up', error);
      this.disconnectedAt ??= since + CATCH_UP_SLACK_MS;
      // Tried again shortly while the broker is up; if it is down, its reconnect recovers.
      clearTimeout(this.catchUpTimer);
      this.catchUpTimer = setTimeout(() => {
        this.catchUpTimer = undefined;
        if (this.publishLocal && this.broker.connected) this.recoverOwned();
      }, RETRY_INTERVAL_MS);
      this.catchUpTimer.unref?.();
    }
  }

  /** Runs `recover()` with an owner for its failure: nothing it meets may end the process. */
  private recoverOwned(): void {
    this.recover().catch((error) => this.options.onError?.('catch_up', error));
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

  /** Serialized game_events, oldest first. */
  recentEvents(): string[] {
    return this.recent.latest();
  }

  /** The cursor of the newest event the monitors' feed passed on here. */
  get feedPosition(): number | undefined {
    return this.feed.position;
  }

  /**
   * Hands `listener` every game_event of the monitors' feed, in its order, until the returned
   * function is called: a resuming monitor reads history meanwhile, before it subscribes.
   */
  watchFeed(listener: (message: string) => void): () => void {
    this.feedWatchers.add(listener);
    return () => this.feedWatchers.delete(listener);
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
      if (!head) return;
      this.sequencer.accept(head.userId, head.seq, message);
      const cursor = cursorOf(message);
      if (cursor !== undefined) this.feed.accept(cursor, message);
      return;
    }
    if (topic === PRESENCE_TOPIC) {
      if (this.presence.apply(message) && this.publishLocal) this.monitors.publishPresence(message, this.publishLocal);
      return;
    }
    if (topic === CONTROL_TOPIC) {
      this.options.control?.(message);
      return;
    }
    const userId = topic.startsWith(USER_TOPIC_PREFIX) ? Number(topic.slice(USER_TOPIC_PREFIX.length)) : NaN;
    // A topic this version never publishes on (another release's, or a bug's) reaches no socket.
    if (!Number.isSafeInteger(userId) || userId < 1) {
      this.options.onDropped?.('unknown_topic');
      return;
    }
    this.notifyWatchers(userId, message);
    this.publishLocal?.(topic, message);
  }

  /**
   * A game_event in its user's order: resuming sockets, the user's topic; and the monitors,
   * for an event without a cursor (the feed orders the others).
   */
  private deliverEvent(userId: number, message: string): void {
    this.notifyWatchers(userId, message);
    this.publishLocal?.(userTopic(userId), message);
    if (cursorOf(message) === undefined) this.deliverToMonitors(message);
  }

  /** A game_event in the feed's order: recent events, resuming monitors, the monitors' topics. */
  private deliverToMonitors(message: string): void {
    this.recent.push(message);
    for (const listener of this.feedWatchers) listener(message);
    if (this.publishLocal) this.monitors.publishEvent(message, this.publishLocal);
  }

  private notifyWatchers(userId: number, message: string): void {
    if (this.watchers.size === 0) return;
    const listeners = this.watchers.get(userId);
    if (listeners) for (const listener of listeners) listener(message);
  }
}
