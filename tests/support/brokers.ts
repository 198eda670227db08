/**
 * A broker that delivers late, as one across the network (Redis) does: messages keep their
 * publish order but reach the hub some milliseconds after `publish` returns, so a play can be
 * committed (and readable from the database) well before its event is delivered.
 */
import type { Broker } from '../../src/realtime/broker/broker';

export class LateBroker implements Broker {
  readonly connected = true;
  readonly name = 'late';
  private deliver: ((topic: string, message: string) => void) | undefined;
  private queue: [topic: string, message: string][] = [];
  private timer: Timer | undefined;

  constructor(private readonly delayMs = 3) {}

  async publish(topic: string, message: string): Promise<void> {
    this.queue.push([topic, message]);
    this.timer ??= setTimeout(() => this.drain(), this.delayMs);
  }

  private drain(): void {
    this.timer = undefined;
    const due = this.queue;
    this.queue = [];
    for (const [topic, message] of due) this.deliver?.(topic, message);
  }

  async start(deliver: (topic: string, message: string) => void): Promise<void> {
    this.deliver = deliver;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.drain();
    this.deliver = undefined;
  }
}
