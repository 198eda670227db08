/**
 * The broker seam: how a published message reaches every instance's hub. The hub publishes
 * through it and reacts only to what it delivers, so one instance and many run the same code.
 * Each backend lives in its own file (`memory.ts`, `redis.ts`) and is held to this contract by
 * one test suite, tests/realtime/broker.contract.ts.
 */
export interface Broker {
  /** The backend, for logs and health: "memory" or "redis". */
  readonly name: string;
  /** True while messages reach other instances (memory: always true). */
  readonly connected: boolean;
  /**
   * Sends `message` on `topic` to every instance's hub, this one included. This instance's
   * own messages are delivered to its own hub synchronously, inside publish(), in publish
   * order, even while the backend is disconnected (so same-instance delivery never waits
   * on or depends on the network). Other instances receive them in this instance's publish
   * order, at most once each; while disconnected they may miss some (the hub heals gaps
   * from the database). Resolves when the backend took it; rejects when it could not.
   */
  publish(topic: string, message: string): Promise<void>;
  /**
   * Begins delivering to `handler`, each message typed by its topic (topic-dispatch.ts reads
   * the topic once, here, for every backend). `onReconnect` fires after the backend came back
   * from an outage (subscriptions restored), so the hub can read what it missed;
   * `onDisconnect` when the backend is lost, once per outage. Resolves once deliveries from
   * other instances flow; rejects when the backend cannot be reached, and may then be called
   * again (start-up waits for the backend so).
   */
  start(handler: BrokerHandler): Promise<void>;
  /** Stops delivering and releases what `start` took; nothing is delivered after it resolves. */
  stop(): Promise<void>;
  /**
   * Backends shared by several instances deliver another instance's message only on a topic
   * this instance subscribed to: `user:7`, or a prefix ending in `*` (`user:*`, `*`). Resolves
   * once messages on it flow (an outage holds it until the backend is back). Its own publishes
   * are delivered whatever it subscribed. A backend without these (memory: one instance) delivers
   * every topic.
   */
  subscribe?(topic: string): Promise<void>;
  /** Takes no more of `topic` from other instances; pairs with one `subscribe`. */
  unsubscribe?(topic: string): Promise<void>;
}

/** What a message on the broker is about, by its topic (topics.ts). */
export type InboundKind = 'user' | 'presence' | 'control';

/** A presence change as delivered: who, which way, and the message as published (what the monitors are sent). */
export type PresenceChange = { userId: number; status: 'join' | 'leave'; message: string };

/**
 * Where a broker hands what it delivers, as centrifuge's `BrokerEventHandler`: one method per
 * kind of message, so no one downstream reads a topic string. The only callback of the
 * delivery pipeline; the hub is the one handler in the server.
 */
export interface BrokerHandler {
  /** A message on a user's topic: one message a line (a play is its game_event and its balance_update). */
  onPublication(userId: number, lines: readonly string[]): void;
  /** A presence change, read from its `presence` message (one that cannot be read is dropped as malformed). */
  onPresence(change: PresenceChange): void;
  /** One of the cluster's control messages (control.ts). */
  onControl(message: string): void;
  onReconnect?(): void;
  onDisconnect?(): void;
  /**
   * A message dropped before it reached a method above (`reason`: malformed, unauthenticated,
   * replayed, unknown_topic, …); never thrown.
   */
  onDropped?(reason: string, error?: unknown): void;
  /** An authentic message from another instance was taken. */
  onReceived?(kind: InboundKind): void;
}
