import type { Broker, Deliver } from './broker';

/**
 * One process: delivery is a direct, synchronous call, so order is publish order and there is
 * no backend to lose (`connected` is always true, the hooks never fire).
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly connected = true;
  private deliver: Deliver | undefined;

  async publish(topic: string, message: string): Promise<void> {
    this.deliver?.(topic, message);
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
  }
}
