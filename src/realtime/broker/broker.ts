/**
 * The broker seam: how a published message reaches every instance's hub. The hub publishes
 * through it and reacts only to what it delivers, so one instance and many behave alike.
 */
export interface Broker {
  /** The backend, for logs and health: "memory" or "redis". */
  readonly name: string;
  /**
   * Sends `message` on `topic` to every instance, this one included. Messages published from one
   * instance are delivered in the order they were published.
   */
  publish(topic: string, message: string): Promise<void>;
  /** True while messages reach the other instances (memory: always). */
  readonly connected: boolean;
  /**
   * Begins delivering to `deliver`, called once per message per instance. `onDisconnect` and
   * `onReconnect` bracket an outage of the backend (subscriptions restored by then).
   */
  start(deliver: (topic: string, message: string) => void, hooks?: { onDisconnect?(): void; onReconnect?(): void }): Promise<void>;
  /** Stops delivering and releases what `start` took. */
  stop(): Promise<void>;
}
