/**
 * The hub: who is connected, the ring buffer of recent events, and the one delivery path from
 * the broker to Bun's topics. Publishing goes through the broker; the ring buffer and the local
 * `server.publish` happen only where the broker delivers, so with one instance or many the
 * same code runs. Each user's events leave here in `seq` order (see sequencer.ts).
 */
import type { Broker } from './broker/broker';
import { gameEventHead, messages } from './events';
import { MonitorFeed } from './monitor-feed';
import { RingBuffer } from './ring-buffer';
import { Sequencer, type MissedEvents } from './sequencer';

export { MONITOR_TOPIC } from './monitor-feed';
export const userTopic = (userId: number) => `user:${userId}`;
const USER_TOPIC_PREFIX = 'user:';
/** The broker topic of game_events; the hub fans each out to `user:<id>` and the monitors. */
export const EVENTS_TOPIC = 'events';
/** The broker topic of presence changes. */
export const PRESENCE_TOPIC = 'presence';

/** Bun's `server.publish`: native fan-out to every socket subscribed to the topic. */
export type TopicPublisher = (topic: string, message: string) => unknown;

export type HubOptions = {
  recentEvents: number;
  /** Reads a user's events between two seqs from the database, to fill a gap. */
  missed?: MissedEvents;
  /** A publish the broker could not take, or a gap that could not be read: logged and counted by the caller. */
  onError?: (what: 'publish' | 'gap_fill', error: unknown) => void;
};

export class Hub {
  private readonly recent: RingBuffer<string>;
  /** Open user sockets per user on this instance: presence changes on the first and the last. */
  private readonly connections = new Map<number, number>();
  /** Sockets catching up with `since`: they get their user's messages here until subscribed. */
  private readonly watchers = new Map<number, Set<(message: string) => void>>();
  private readonly sequencer: Sequencer;
  readonly monitors = new MonitorFeed();
  private publishLocal: TopicPublisher | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
  ) {
    this.recent = new RingBuffer(options.recentEvents);
    this.sequencer = new Sequencer((userId, message) => this.deliverEvent(userId, message), options.missed, (error) => options.onError?.('gap_fill', error));
  }

  /** The broker backend's name ("memory", "redis"), for logs. */
  get brokerName(): string {
    return this.broker.name;
  }

  /** Starts taking deliveries from the broker and sending them to `publishLocal`'s topics. */
  async start(publishLocal: TopicPublisher): Promise<void> {
    this.publishLocal = publishLocal;
    await this.broker.start((topic, message) => this.deliver(topic, message));
  }

  async stop(): Promise<void> {
    await this.broker.stop();
    this.publishLocal = undefined;
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

  /** Counts a user's socket in; the first one announces `join` to the monitors. */
  connect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    this.connections.set(userId, count + 1);
    if (count === 0) this.publish(PRESENCE_TOPIC, messages.presence(userId, 'join'));
  }

  /** Counts a user's socket out; the last one announces `leave`. */
  disconnect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    if (count <= 1) {
      this.connections.delete(userId);
      if (count === 1) this.publish(PRESENCE_TOPIC, messages.presence(userId, 'leave'));
    } else {
      this.connections.set(userId, count - 1);
    }
  }

  connectedUserIds(): number[] {
    return [...this.connections.keys()];
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

  /** Publishes through the broker; a failure is reported, never dropped in silence. */
  private publish(topic: string, message: string): void {
    this.broker.publish(topic, message).catch((error) => this.options.onError?.('publish', error));
  }

  private deliver(topic: string, message: string): void {
    if (topic === EVENTS_TOPIC) {
      const head = gameEventHead(message);
      if (head) this.sequencer.accept(head.userId, head.seq, message);
      return;
    }
    if (topic === PRESENCE_TOPIC) {
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
