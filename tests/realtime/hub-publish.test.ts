/**
 * The hub's publishes are handled promises: one the broker rejects (backend down) is counted
 * and logged, and this instance's own sockets still got the message.
 */
import { describe, expect, it } from 'bun:test';
import { Hub } from '../../src/realtime/hub';
import { LateBroker, LateNetwork } from '../support/brokers';
import { waitUntil } from '../support/streams';

describe('a publish the broker rejects', () => {
  it('is counted and logged, and still reaches this instance', async () => {
    const network = new LateNetwork();
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const hub = new Hub(new LateBroker(network), 10, { warn: (message, fields) => warnings.push({ message, fields }) });
    const local: string[] = [];
    await hub.start((topic, message) => local.push(`${topic} ${message}`));
    try {
      hub.publishToUser(1, 'kept');
      network.outage();
      hub.publishToUser(1, 'not shared');
      expect(local).toEqual(['user:1 kept', 'user:1 not shared']);
      await waitUntil(() => hub.publishFailures > 0, 'the rejection to be handled');
      expect(hub.publishFailures).toBe(1);
      expect(warnings).toEqual([{ message: 'broker publish failed', fields: { broker: 'late', topic: 'user:1', error: 'Error: late network: disconnected' } }]);
    } finally {
      await hub.stop();
    }
  });
});
