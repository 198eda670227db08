/**
 * The last stage of delivery: this instance's sockets. What reaches it is in order already (a
 * user's events from the sequencer, the monitors' from the feed order); it keeps the recent
 * events, hands resuming sockets what arrives while they read history, and publishes to Bun's
 * topics: `user:<id>` for a user's sockets, `monitor` and the filter topics (monitor-feed.ts).
 */
import { cursorOf } from './events';
import type { Interest } from './interest';
import { MonitorFeed } from './monitor-feed';
import { RecentEvents } from './recent-events';
import { userTopic } from './topics';

/** Bun's topics (`server.publish`: native fan-out to every socket subscribed to the topic). */
export interface TopicPublisher {
  publish(topic: string, message: string): unknown;
}

type Listener = (message: string) => void;

export class LocalDelivery {
  readonly recent: RecentEvents;
  readonly monitors = new MonitorFeed();
  /** Sockets catching up with `since`: they get their user's messages here until subscribed. */
  private readonly watchers = new Map<number, Set<Listener>>();
  /** Monitors catching up with `since`: they get the feed's events here until subscribed. */
  private readonly feedWatchers = new Set<Listener>();
  /** Set between the hub's start and stop. */
  private publishLocal: TopicPublisher | undefined;
  /** `publishLocal.publish` as the monitor feed takes it, made once. */
  private publishTopic: ((topic: string, message: string) => unknown) | undefined;

  constructor(
    recentEvents: number,
    private readonly interest: Interest,
  ) {
    this.recent = new RecentEvents(recentEvents);
  }

  /** From the hub's start: where the Bun topics are published. */
  attach(publishLocal: TopicPublisher): void {
    this.publishLocal = publishLocal;
    this.publishTopic = (topic, message) => publishLocal.publish(topic, message);
  }

  detach(): void {
    this.publishLocal = this.publishTopic = undefined;
  }

  /** Whether presence is shown here (a monitor is here, or every user is anyway). */
  get showsPresence(): boolean {
    return this.interest.hasFeed;
  }

  /** Refills the recent events (serialized game_events, oldest first) from the database. */
  seedRecent(events: readonly string[]): void {
    for (const event of events) this.recent.push(event);
  }

  /** A message for the user's sockets that is no game_event (a balance_update). */
  toUser(userId: number, message: string): void {
    this.notifyWatchers(userId, message);
    this.publishLocal?.publish(userTopic(userId), message);
  }

  /**
   * A game_event in its user's order: resuming sockets, the user's topic; and the monitors,
   * for an event without a cursor (the feed orders the others).
   */
  userEvent(userId: number, message: string): void {
    this.toUser(userId, message);
    // The cheap test first: without a monitor here no event's cursor needs reading.
    if (this.interest.hasFeed && cursorOf(message) === undefined) this.feedEvent(message);
  }

  /** A game_event in the feed's order: recent events, resuming monitors, the monitors' topics. */
  feedEvent(message: string): void {
    this.recent.push(message);
    for (const listener of this.feedWatchers) listener(message);
    if (this.publishTopic) this.monitors.publishEvent(message, this.publishTopic);
  }

  /** A change of who is online, to every monitor here. */
  presence(message: string): void {
    if (this.publishTopic) this.monitors.publishPresence(message, this.publishTopic);
  }

  /** Hands `listener` every game_event of the monitors' feed until the returned function is called. */
  watchFeed(listener: Listener): () => void {
    this.feedWatchers.add(listener);
    return () => this.feedWatchers.delete(listener);
  }

  /** Hands `listener` every message for `userId` until the returned function is called. */
  watch(userId: number, listener: Listener): () => void {
    let set = this.watchers.get(userId);
    if (!set) this.watchers.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(userId);
    };
  }

  private notifyWatchers(userId: number, message: string): void {
    if (this.watchers.size === 0) return;
    const listeners = this.watchers.get(userId);
    if (listeners) for (const listener of listeners) listener(message);
  }
}
