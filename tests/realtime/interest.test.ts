/**
 * The hub's interest (src/realtime/interest.ts) against a broker whose subscriptions take a
 * while to be answered, as Redis's do: an event committed while a user's topic is being taken
 * still reaches the socket (read from the database once the subscription is up), and a user no
 * longer followed here is forgotten, so a later socket starts afresh instead of being handed the
 * gap since.
 */
import { describe, expect, it } from 'bun:test';
import type { Broker, BrokerHandler } from '../../src/realtime/broker/broker';
import { dispatch } from '../../src/realtime/topic-dispatch';
import { eventId, messages } from '../../src/realtime/events';
import { Hub } from '../../src/realtime/hub';
import { noHistory } from '../support/history';

const gameEvent = (userId: number, seq: number) =>
  messages.gameEvent({ event_id: eventId(userId, seq), game_type: 'slot', user_id: userId, bet: 1, result: { payout: 0 }, ts: new Date().toISOString() });

/** Delivers only subscribed topics; each subscription is answered when the test says. */
class SlowSubscriptions implements Broker {
  readonly name = 'slow';
  readonly connected = true;
  handler: BrokerHandler | undefined;
  readonly topics = new Set<string>();
  readonly pending: (() => void)[] = [];
  async publish(topic: string, message: string): Promise<void> {
    if (this.handler) dispatch(this.handler, topic, message);
  }
  async start(handler: BrokerHandler): Promise<void> {
    this.handler = handler;
  }
  async stop(): Promise<void> {}
  subscribe(topic: string): Promise<void> {
    // The control topic every hub takes at start is answered at once; user topics when the test says.
    if (!topic.startsWith('user:')) return Promise.resolve(void this.topics.add(topic));
    return new Promise((resolve) => this.pending.push(() => (this.topics.add(topic), resolve())));
  }
  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
  }
  /** What another instance published: delivered only if subscribed. */
  fromElsewhere(topic: string, message: string): void {
    if (this.topics.has(topic) || (topic.startsWith('user:') && this.topics.has('user:*'))) if (this.handler) dispatch(this.handler, topic, message);
  }
}

function hubOn(broker: SlowSubscriptions, stored: { seq: number; payload: string; at: number }[]) {
  return new Hub(broker, {
    recentEvents: 10,
    sharedBackends: true,
    history: {
      ...noHistory,
      between: async (_userId, after, before) => stored.filter((row) => row.seq > after && row.seq < before),
      lastSeqBefore: async (_userId, beforeSeq, before) => Math.max(0, ...stored.filter((row) => row.seq < beforeSeq && row.at < before).map((row) => row.seq)),
      createdSince: async (since) => stored.filter((row) => row.at >= since).map((row) => ({ userId: 1, ...row })),
    },
  });
}

describe('a user topic being taken', () => {
  it('loses no event committed meanwhile: it is read from the database once the subscription is up', async () => {
    const broker = new SlowSubscriptions();
    const stored: { seq: number; payload: string; at: number }[] = [{ seq: 1, payload: gameEvent(1, 1), at: Date.now() - 60_000 }];
    const hub = hubOn(broker, stored);
    const sent: string[] = [];
    await hub.start({ publish: (topic, message) => sent.push(`${topic} ${JSON.parse(message).event_id}`) });
    hub.follow(1);
    await Bun.sleep(2);
    // Committed on another instance while SUBSCRIBE is on its way: its publish reaches nobody here.
    stored.push({ seq: 2, payload: gameEvent(1, 2), at: Date.now() });
    broker.fromElsewhere('user:1', gameEvent(1, 2));
    expect(sent).toEqual([]);
    broker.pending.shift()!();
    await Bun.sleep(10);
    // Event 1 came before the socket and is not owed to it; event 2 is.
    expect(sent).toEqual(['user:1 1-2']); // no monitor here: the monitors' topics get nothing
    broker.fromElsewhere('user:1', gameEvent(1, 3));
    expect(sent.slice(1)).toEqual(['user:1 1-3']);
    hub.unfollow(1);
    await hub.stop();
  });

  it('forgets a user followed no more: a later socket is not handed what was missed in between', async () => {
    const broker = new SlowSubscriptions();
    const stored: { seq: number; payload: string; at: number }[] = [];
    const hub = hubOn(broker, stored);
    const sent: string[] = [];
    await hub.start({ publish: (topic, message) => sent.push(`${topic} ${JSON.parse(message).event_id}`) });
    hub.follow(1);
    broker.pending.shift()!();
    await Bun.sleep(5);
    stored.push({ seq: 1, payload: gameEvent(1, 1), at: Date.now() });
    broker.fromElsewhere('user:1', gameEvent(1, 1));
    hub.unfollow(1);
    // Played elsewhere while nobody here follows the user.
    for (const seq of [2, 3]) stored.push({ seq, payload: gameEvent(1, seq), at: Date.now() });
    await Bun.sleep(2);
    hub.follow(1);
    broker.pending.shift()!();
    await Bun.sleep(5);
    stored.push({ seq: 4, payload: gameEvent(1, 4), at: Date.now() + 1 });
    broker.fromElsewhere('user:1', gameEvent(1, 4));
    await Bun.sleep(10);
    expect(sent.filter((line) => line.startsWith('user:1'))).toEqual(['user:1 1-1', 'user:1 1-4']);
    hub.unfollow(1);
    await hub.stop();
  });
});
