/**
 * Bun's topics as the hub publishes to them (local-delivery.ts): native fan-out to every
 * socket subscribed, each publish noted for the registry's slow-socket sweep and counted by
 * kind of socket.
 */
import type { Metrics } from '../metrics';
import type { TopicPublisher } from './local-delivery';
import type { SocketRegistry } from './registry';

export class BunTopics implements TopicPublisher {
  constructor(
    private readonly server: { publish(topic: string, message: string): unknown },
    private readonly registry: Pick<SocketRegistry, 'noteTraffic'>,
    private readonly metrics: Pick<Metrics, 'deliveredTo'>,
  ) {}

  publish(topic: string, message: string): unknown {
    this.registry.noteTraffic();
    this.metrics.deliveredTo(topic.startsWith('monitor') ? 'monitor' : 'user');
    return this.server.publish(topic, message);
  }
}
