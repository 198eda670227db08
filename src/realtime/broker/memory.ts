import type { Broker, BrokerHandler } from './broker';
import { dispatch } from '../topic-dispatch';

/**
 * One process: delivery is a direct, synchronous call, so order is publish order and there is
 * no backend to lose (`connected` is always true, the hooks never fire).
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly connected = true;
  private handler: BrokerHandler | undefined;

  async publish(topic: string, message: string): Promise<void> {
    if (this.handler) dispatch(this.handler, topic, message);
  }

  async start(handler: BrokerHandler): Promise<void> {
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.handler = undefined;
  }
}
