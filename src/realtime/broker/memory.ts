import type { Broker } from './broker';

/** One process: delivery is a direct, synchronous call, so order is publish order. */
export class MemoryBroker implements Broker {
  readonly connected = true;
  readonly name = 'memory';
  private deliver: ((topic: string, message: string) => void) | undefined;

  async publish(topic: string, message: string): Promise<void> {
    this.deliver?.(topic, message);
  }

  async start(deliver: (topic: string, message: string) => void): Promise<void> {
    this.deliver = deliver;
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
  }
}
