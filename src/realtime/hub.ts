/**
 * The hub: who is connected, the ring buffer of recent events, and the one delivery path from
 * the broker to Bun's topics. Publishing goes through the broker; the ring buffer and the local
 * `server.publish` happen only where the broker delivers, so with one instance or many the
 * same code runs.
 */
import type { Logger } from '../log';
import type { Broker } from './broker/broker';
import { GAME_EVENT_PREFIX, messages } from './events';
import { RingBuffer } from './ring-buffer';

export const MONITOR_TOPIC = 'monitor';
export const userTopic = (userId: number) => `user:${userId}`;
const USER_TOPIC_PREFIX = 'user:';

/** Bun's `server.publish`: native fan-out to every socket subscribed to the topic. */
export type TopicPublisher = (topic: string, message: string) => unknown;

export class Hub {
  private readonly recent: RingBuffer<string>;
  /** Open user sockets per user on this instance: presence changes on the first and the last. */
  private readonly connections = new Map<number, number>();
  /** Sockets catching up with `since`: they get their user's messages here until subscribed. */
  private readonly watchers = new Map<number, Set<(message: string) => void>>();
  private publishLocal: TopicPublisher | undefined;
  /** Publishes the broker could not hand to other instances (this one still got them). */
  publishFailures = 0;

  constructor(private readonly broker: Broker, recentEvents: number, private readonly logger?: Pick<Logger, 'warn'>) {
    this.recent = new RingBuffer(recentEvents);
  }

  /** The broker delivered it here already; a rejection means other instances may miss it. */
  private publish(topic: string, message: string): void {
    this.broker.publish(topic, message).catch((error: unknown) => {
      this.publishFailures++;
      this.logger?.warn('broker publish failed', { broker: this.broker.name, topic, error: String(error) });
    });
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

  /** One serialized event, the same string to the user's topic and to the monitors. */
  publishGameEvent(userId: number, gameEvent: string): void {
    this.publish(userTopic(userId), gameEvent);
    this.publish(MONITOR_TOPIC, gameEvent);
  }

  publishToUser(userId: number, message: string): void {
    this.publish(userTopic(userId), message);
  }

  /** Counts a user's socket in; the first one announces `join` to the monitors. */
  connect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    this.connections.set(userId, count + 1);
    if (count === 0) this.publish(MONITOR_TOPIC, messages.presence(userId, 'join'));
  }

  /** Counts a user's socket out; the last one announces `leave`. */
  disconnect(userId: number): void {
    const count = this.connections.get(userId) ?? 0;
    if (count <= 1) {
      this.connections.delete(userId);
      if (count === 1) this.publish(MONITOR_TOPIC, messages.presence(userId, 'leave'));
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

  private deliver(topic: string, message: string): void {
    if (topic === MONITOR_TOPIC) {
      if (message.startsWith(GAME_EVENT_PREFIX)) this.recent.push(message);
    } else if (this.watchers.size > 0 && topic.startsWith(USER_TOPIC_PREFIX)) {
      const listeners = this.watchers.get(Number(topic.slice(USER_TOPIC_PREFIX.length)));
      if (listeners) for (const listener of listeners) listener(message);
    }
    this.publishLocal?.(topic, message);
  }
}
