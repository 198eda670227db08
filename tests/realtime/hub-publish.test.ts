/**
 * The hub's publishes are handled promises: one the broker rejects (backend down) is reported,
 * this instance's own sockets still got the message, and a game_event that failed is
 * published again once the broker is back, so the other instances get it too.
 * A catch-up from the database that fails after an outage is tried again.
 */
import { describe, expect, it } from 'bun:test';
import { eventId, messages } from '../../src/realtime/events';
import { silentReport } from '../../src/realtime/delivery-report';
import { Hub } from '../../src/realtime/hub';
import { noHistory } from '../support/history';
import { LateBroker, LateNetwork } from '../support/brokers';
import { waitUntil } from '../support/streams';

const gameEvent = (userId: number, seq: number) =>
  messages.gameEvent({ event_id: eventId(userId, seq), game_type: 'slot', user_id: userId, bet: 1, result: { payout: 0 }, ts: new Date().toISOString() });

describe('a publish the broker rejects', () => {
  it('is reported, still reaches this instance, and a failed event is published again after the outage', async () => {
    const network = new LateNetwork();
    const failures: string[] = [];
    const here = new Hub(new LateBroker(network), { recentEvents: 10, report: { ...silentReport, failed: (what, error) => failures.push(`${what}: ${String(error)}`) } });
    const there = new Hub(new LateBroker(network), { recentEvents: 10 });
    const local: string[] = [];
    const remote: string[] = [];
    await here.start({ publish: (topic, message) => local.push(`${topic} ${message}`) });
    await there.start({ publish: (topic, message) => remote.push(`${topic} ${message}`) });
    try {
      here.publishToUser(1, 'kept');
      await waitUntil(() => remote.length === 1, 'the first message to cross');
      network.outage();
      here.publishToUser(1, 'not shared');
      here.publishToUser(1, gameEvent(1, 1));
      expect(local.slice(0, 2)).toEqual(['user:1 kept', 'user:1 not shared']);
      expect(local.filter((line) => line.startsWith('user:1 {"type":"game_event"')).length).toBe(1);
      await waitUntil(() => failures.length === 2, 'both rejections to be reported');
      expect(failures.every((failure) => failure === 'publish: Error: late network: disconnected')).toBe(true);
      expect(remote).toEqual(['user:1 kept']);

      network.restore();
      await waitUntil(() => remote.some((line) => line.includes('"event_id":"1-1"')), 'the event to reach the other instance after the outage');
      // Delivered there once, to the user and the monitors; not again here.
      expect(remote.filter((line) => line.includes('"event_id":"1-1"')).map((line) => line.split(' ')[0])).toEqual(['user:1', 'monitor']);
      expect(local.filter((line) => line.includes('"event_id":"1-1"')).length).toBe(2);
    } finally {
      await Promise.all([here.stop(), there.stop()]);
    }
  });
});

describe('the catch-up after a broker outage', () => {
  it('is tried again when reading the database fails, so what other instances committed meanwhile still arrives', async () => {
    const network = new LateNetwork();
    const failures: string[] = [];
    let reads = 0;
    const hub = new Hub(new LateBroker(network), {
      recentEvents: 10,
      history: {
        ...noHistory,
        createdSince: async () => {
          reads += 1;
          if (reads === 1) throw new Error('database away');
          return [{ userId: 1, seq: 1, payload: gameEvent(1, 1) }];
        },
      },
      report: { ...silentReport, failed: (what, error) => failures.push(`${what}: ${String(error)}`) },
    });
    const local: string[] = [];
    await hub.start({ publish: (topic, message) => local.push(`${topic} ${message}`) });
    try {
      await hub.recover();
      expect(failures).toEqual(['catch_up: Error: database away']);
      expect(local).toEqual([]);
      await waitUntil(() => local.length === 2, 'the missed event, read again');
      expect(local.map((line) => line.split(' ')[0])).toEqual(['user:1', 'monitor']);
      expect(reads).toBe(2);
    } finally {
      await hub.stop();
    }
  });
});
