/**
 * Brokers that behave as ones across a network do, without the network. A `LateNetwork` joins
 * `LateBroker`s as Redis joins instances: each instance gets its own messages synchronously
 * (the broker contract), the others get them some milliseconds after `publish` returns, in
 * publish order, so a play can be committed (and readable from the database) on one instance
 * well before its event reaches another. `outage()` cuts the network as a Redis restart does.
 */
import type { Broker, BrokerHandler } from '../../src/realtime/broker/broker';
import { dispatch, dispatchReceived } from '../../src/realtime/topic-dispatch';

export class LateNetwork {
  readonly brokers = new Set<LateBroker>();
  private down = false;

  constructor(readonly delayMs = 3) {}

  get connected(): boolean {
    return !this.down;
  }

  /** Cuts every broker off: publishes reject (own delivery still happens), nothing crosses. */
  outage(): void {
    if (this.down) return;
    this.down = true;
    for (const broker of this.brokers) broker.lost();
  }

  /** Ends the outage; each broker then reports the reconnect. */
  restore(): void {
    if (!this.down) return;
    this.down = false;
    for (const broker of this.brokers) broker.regained();
  }
}

export class LateBroker implements Broker {
  readonly name = 'late';
  private handler: BrokerHandler | undefined;
  private queue: [topic: string, message: string][] = [];
  private timer: Timer | undefined;

  constructor(private readonly network = new LateNetwork()) {}

  get connected(): boolean {
    return this.network.connected;
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.handler) dispatch(this.handler, topic, message);
    if (!this.network.connected) throw new Error('late network: disconnected');
    for (const other of this.network.brokers) if (other !== this) other.enqueue(topic, message);
  }

  private enqueue(topic: string, message: string): void {
    this.queue.push([topic, message]);
    this.timer ??= setTimeout(() => this.drain(), this.network.delayMs);
  }

  private drain(): void {
    this.timer = undefined;
    const due = this.queue;
    this.queue = [];
    for (const [topic, message] of due) if (this.handler) dispatchReceived(this.handler, topic, message);
  }

  /** @internal for LateNetwork: what is still in flight to this instance is lost. */
  lost(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.handler?.onDisconnect?.();
  }

  /** @internal for LateNetwork. */
  regained(): void {
    this.handler?.onReconnect?.();
  }

  async start(handler: BrokerHandler): Promise<void> {
    this.handler = handler;
    this.network.brokers.add(this);
  }

  async stop(): Promise<void> {
    this.network.brokers.delete(this);
    clearTimeout(this.timer);
    this.drain();
    this.handler = undefined;
  }
}
