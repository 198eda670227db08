/**
 * The hub: the ring buffer of recent events, who is online (presence/online-users.ts), and the
 * one delivery path from the broker to Bun's topics. Publishing goes through the broker; the
 * ring buffer and the local `server.publish` happen only where the broker delivers, so with one
 * instance or many the same code runs. Each user's events leave here in `seq` order (see
 * sequencer.ts) for the user's sockets, and every user's in cursor order for the monitors
 * (feed-order.ts). On the broker, everything about a user travels on their topic `user:<id>` (a
 * play is one message: its game_event and balance_update, one line each), and an instance takes
 * only the topics its sockets need (interest.ts); control messages (control.ts) reach every one.
 */
import type { Broker } from './broker/broker';
import { cursorOf, gameEventHead, messages } from './events';
import { FeedOrder, type FeedMissed } from './feed-order';
import { Interest } from './interest';
import { Outbound } from './outbound';
import { MonitorFeed } from './monitor-feed';
import { RecentEvents } from './recent-events';
import { PresenceTracker, type ClusterPresence } from './presence/online-users';
import { Sequencer, type MissedEvents } from './sequencer';
import { CONTROL_TOPIC, PRESENCE_TOPIC, userTopic } from './topics';

/** The user's newest seq below `beforeSeq` committed before `before` (epoch ms); 0 if none. */
export type LastSeqBefore = (userId: number, beforeSeq: number, before: number) => Promise<number>;

export { MONITOR_TOPIC } from './monitor-feed';
export { PRESENCE_TOPIC, userTopic } from './topics';

/** What a socket holds on the hub's interest; let go when the socket closes. */
export type Following = { release(): void; ready?: Promise<void> };

/** Bun's `server.publish`: native fan-out to every socket subscribed to the topic. */
export type TopicPublisher = (topic: string, message: string) => unknown;

/** Every user's events committed since a time, oldest first: what a broker outage may have kept from this instance. */
export type EventsSince = (since: number) => Promise<{ userId: number; seq: number; payload: string }[]>;

export type HubOptions = {
  /** Cluster presence; without it, this instance's sockets are the whole story. */
  presence?: ClusterPresence;
  /** How long a user whose last socket closed is still shown online: a reconnect within it makes no presence messages. */
  presenceGraceMs?: number;
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
  /** The newest game_events, oldest first: the recent events of an instance that just took the whole feed. */
  recentFromStore?: (count: number) => Promise<string[]>;
  /**
   * The user's current balance as a serialized balance_update (undefined: never played): after a
   * broker outage each user with a socket here is sent it, since the balance_updates published
   * meanwhile are not sent again (an old one arriving late could show an older balance).
   */
  currentBalance?: (userId: number) => Promise<string | undefined>;
  /** A message from another instance was taken off the broker (its topic's kind: user, presence). */
  onReceived?: (kind: string) => void;
  /** Takes the cluster's control messages (control.ts), this instance's own included. */
  control?: (message: string) => void;
  /** Reads stored events by cursor, to fill a gap in the monitors' order (feed-order.ts). */
  feedMissed?: FeedMissed;
  /** The newest cursor committed: where the monitors' feed starts on this instance. */
  latestCursor?: () => Promise<number>;
  /** A publish the broker could not take, or missed events that could not be read: logged and counted by the caller. */
  onError?: (what: 'publish' | 'gap_fill' | 'catch_up' | 'presence' | 'subscribe' | 'feed', error: unknown) => void;
  /** A frame from another instance dropped by the broker (never delivered): counted and logged by the caller. */
  onDropped?: (reason: string, error?: unknown) => void;
  now?: () => number;
};

/** How far before a broker outage was noticed the catch-up reads, for messages in flight then. */
const CATCH_UP_SLACK_MS = 5_000;
/** How soon a failed catch-up is tried again. */
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
  private readonly outbound: Outbound;
  private readonly interest: Interest;
  /** Set while the first monitor's feed is being taken: later monitors wait for the same. */
  private feedReady: Promise<void> | undefined;
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
    this.interest = new Interest(broker, this.now);
    this.outbound = new Outbound(broker, { onError: (error) => options.onError?.('publish', error), now: this.now });
    this.presence = new PresenceTracker({
      presence: options.presence,
      announce: (message) => this.publish(PRESENCE_TOPIC, message),
      show: (message) => this.deliver(PRESENCE_TOPIC, message),
      onError: (error) => options.onError?.('presence', error),
      leaveGraceMs: options.presenceGraceMs,
      now: this.now,
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
      lastSeqBefore && ((userId, beforeSeq) => lastSeqBefore(userId, beforeSeq, this.interest.since(userId) ?? this.startedAt)),
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
    await this.broker.start({
      onPublication: (userId, lines) => this.deliverPublication(userId, lines),
      onPresence: (message) => this.deliver(PRESENCE_TOPIC, message),
      onControl: (message) => this.options.control?.(message),
      onDisconnect: () => {
        this.disconnectedAt ??= this.now();
      },
      onDropped: (reason, error) => this.options.onDropped?.(reason, error),
      onReceived: (kind) => this.options.onReceived?.(kind),
      onReconnect: () => {
        this.recoverOwned();
        this.presence.refreshUntilDone();
      },
    });
    // Every instance takes the control messages (a disconnect, a block) whatever its sockets.
    await this.broker.subscribe?.(CONTROL_TOPIC);
    // Connections lost while start-up waited for the broker were no outage of a running hub.
    this.disconnectedAt = undefined;
  }

  async stop(): Promise<void> {
    this.outbound.stop();
    clearTimeout(this.catchUpTimer);
    this.catchUpTimer = undefined;
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
    const since = Math.min(this.disconnectedAt ?? Infinity, this.outbound.failingSince ?? Infinity, this.now()) - CATCH_UP_SLACK_MS;
    this.disconnectedAt = undefined;
    clearTimeout(this.catchUpTimer); // this run replaces a retry still waiting
    this.outbound.retryNow();
    if (!this.options.eventsSince) return;
    try {
      for (const event of await this.options.eventsSince(since)) this.acceptEvent(event.userId, event.seq, event.payload);
      await this.sendBalances();
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

  /** After an outage: every user with a socket here gets their balance as it stands now. */
  private async sendBalances(): Promise<void> {
    const { currentBalance } = this.options;
    if (!currentBalance) return;
    for (const userId of this.interest.followedUsers()) {
      const message = await currentBalance(userId);
      if (message !== undefined && this.interest.wants(userId)) this.deliverToUser(userId, message);
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

  /** A settled play: its game_event (to the user and the monitors) and the user's balance_update, in one broker message. */
  publishPlay(userId: number, gameEvent: string, balanceUpdate: string): void {
    this.publish(userTopic(userId), `${gameEvent}\n${balanceUpdate}`);
  }

  publishToUser(userId: number, message: string): void {
    this.publish(userTopic(userId), message);
  }

  /**
   * A user socket opened here: the user's topic is taken while any of their sockets is here,
   * and what was committed while it was being taken is read from the database.
   */
  follow(userId: number): Following {
    const began = this.interest.follow(userId);
    if (began) {
      const { catchUpSince } = began;
      began.subscribed.then(() => (catchUpSince === undefined ? undefined : this.catchUpUser(userId, catchUpSince))).catch((error) => this.options.onError?.('subscribe', error));
    }
    return { release: once(() => this.unfollow(userId)) };
  }

  private unfollow(userId: number): void {
    const ended = this.interest.unfollow(userId);
    if (!ended) return;
    if (ended.unwanted) this.sequencer.forget(userId);
    ended.unsubscribed.catch((error) => this.options.onError?.('subscribe', error));
  }

  /**
   * A monitor opened here: every user's events and presence are taken while a monitor is here.
   * For the first, `ready` resolves once they flow, what was committed meanwhile has been read,
   * the recent events come from the database and who is online from the cluster presence: only
   * then is its snapshot whole.
   */
  followFeed(): Following {
    const began = this.interest.followFeed();
    if (began) {
      const ready = (this.feedReady = began.subscribed.then(() => this.catchUpFeed()));
      ready.finally(() => this.feedReady === ready && (this.feedReady = undefined)).catch(() => {});
    }
    return { release: once(() => this.unfollowFeed()), ready: this.feedReady };
  }

  private unfollowFeed(): void {
    const ended = this.interest.unfollowFeed();
    if (!ended) return;
    this.sequencer.forgetWhere((userId) => !this.interest.wants(userId));
    // Its next monitor starts the feed afresh (catchUpFeed), not from where this one stopped.
    this.feed.restart();
    this.presence.forgetOnline();
    ended.catch((error) => this.options.onError?.('subscribe', error));
  }

  /** A user's events committed since their topic was asked for (events the subscription may have missed). */
  private async catchUpUser(userId: number, since: number): Promise<void> {
    const { lastSeqBefore, missed } = this.options;
    if (!lastSeqBefore || !missed) return;
    const from = await lastSeqBefore(userId, Number.MAX_SAFE_INTEGER, since);
    const rows = await missed(userId, from, Number.MAX_SAFE_INTEGER);
    // Let go of, and perhaps taken again, meanwhile: the stream started afresh and owes none of these.
    if (this.interest.since(userId) !== since) return;
    for (const row of rows) this.acceptEvent(userId, row.seq, row.payload);
  }

  /**
   * The feed starts at the newest cursor committed once every user's topic flows (what came
   * before is in the database: the recent events are read from it, and a monitor resumes from
   * it with `since`); held events past it are passed on.
   */
  private async catchUpFeed(): Promise<void> {
    const { latestCursor, recentFromStore } = this.options;
    if (latestCursor) this.feed.startAt(await latestCursor());
    if (recentFromStore) this.seedRecent(await recentFromStore(this.recent.capacity));
    await this.presence.refresh();
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

  private publish(topic: string, message: string): void {
    this.outbound.publish(topic, message);
  }

  private deliver(topic: string, message: string): void {
    if (topic === PRESENCE_TOPIC && this.interest.hasFeed && this.presence.apply(message) && this.publishLocal) this.monitors.publishPresence(message, this.publishLocal);
  }

  private deliverPublication(userId: number, lines: readonly string[]): void {
    if (!this.interest.wants(userId)) return;
    for (const line of lines) this.deliverToUser(userId, line);
  }

  private deliverToUser(userId: number, message: string): void {
    const head = gameEventHead(message);
    if (head) {
      // An event of another user on this user's topic was never published by an instance.
      if (head.userId === userId) this.acceptEvent(userId, head.seq, message);
      else this.options.onDropped?.('unknown_topic');
      return;
    }
    this.notifyWatchers(userId, message);
    this.publishLocal?.(userTopic(userId), message);
  }

  /** A game_event, delivered or read from the database: to its user's order, and to the monitors' while a monitor is here. */
  private acceptEvent(userId: number, seq: number, message: string): void {
    if (this.interest.wants(userId)) this.sequencer.accept(userId, seq, message);
    if (!this.interest.hasFeed) return;
    const cursor = cursorOf(message);
    if (cursor !== undefined) this.feed.accept(cursor, message);
  }

  /**
   * A game_event in its user's order: resuming sockets, the user's topic; and the monitors,
   * for an event without a cursor (the feed orders the others).
   */
  private deliverEvent(userId: number, message: string): void {
    this.notifyWatchers(userId, message);
    this.publishLocal?.(userTopic(userId), message);
    if (cursorOf(message) === undefined && this.interest.hasFeed) this.deliverToMonitors(message);
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

function once(action: () => void): () => void {
  let isDone = false;
  return () => {
    if (isDone) return;
    isDone = true;
    action();
  };
}
