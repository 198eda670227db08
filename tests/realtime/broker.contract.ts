/**
 * The broker contract (src/realtime/broker/broker.ts) as one suite, run against every backend
 * (broker.memory.test.ts, broker.redis.test.ts), as socket.io's adapter `testSuite` and
 * centrifuge's broker tests do. A backend hands in a factory for N brokers on one shared
 * backend and says what it can do: how many instances, and how an outage is made.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import type { Broker, BrokerHandler } from '../../src/realtime/broker/broker';
import { messages } from '../../src/realtime/events';
import { waitUntil } from '../support/streams';

export type BrokerBackend = {
  /** `count` unstarted brokers sharing one backend. */
  make(count: number): Broker[];
  /** 1 for a backend that is one process by design (memory). */
  maxInstances: number;
  /** Delivers another instance's messages only on topics subscribed (Broker.subscribe). */
  selective?: boolean;
  /** How to cut the backend and bring it back, and what a publish does meanwhile. */
  outage?: { begin(): Promise<void>; end(): Promise<void>; publishWhileDown: 'rejects' | 'is delivered' };
};

type Started = {
  broker: Broker;
  /** What reached the handler, as "<kind>", the message: `user:<id>`, `presence`, `control`. */
  got: [kind: string, message: string][];
  dropped: string[];
  received: string[];
  disconnects: number;
  reconnects: number;
  messages(): string[];
};

/** A handler that writes down each call: a user's lines joined again, as published. */
function recorder(started: Pick<Started, 'got' | 'dropped' | 'received' | 'disconnects' | 'reconnects'>): BrokerHandler {
  return {
    onPublication: (userId, lines) => void started.got.push([`user:${userId}`, lines.join('\n')]),
    onPresence: (change) => void started.got.push(['presence', `${change.userId} ${change.status}`]),
    onControl: (message) => void started.got.push(['control', message]),
    onDropped: (reason) => void started.dropped.push(reason),
    onReceived: (kind) => void started.received.push(kind),
    onDisconnect: () => void started.disconnects++,
    onReconnect: () => void started.reconnects++,
  };
}

/** A handler that writes down every message as "<kind> <message>". */
function lines(into: string[]): BrokerHandler {
  const push = (kind: string, message: string) => void into.push(`${kind} ${message}`);
  return { onPublication: (userId, sent) => push(`user:${userId}`, sent.join('\n')), onPresence: (change) => push('presence', `${change.userId} ${change.status}`), onControl: (m) => push('control', m) };
}

export function brokerContract(name: string, backend: BrokerBackend): void {
  describe(`the ${name} broker`, () => {
    let running: Broker[] = [];
    afterEach(async () => {
      await Promise.all(running.map((broker) => broker.stop()));
      running = [];
    });

    async function start(count: number): Promise<Started[]> {
      const brokers = backend.make(count);
      running.push(...brokers);
      return Promise.all(
        brokers.map(async (broker) => {
          const started: Started = {
            broker,
            got: [],
            dropped: [],
            received: [],
            disconnects: 0,
            reconnects: 0,
            messages: () => started.got.map(([, message]) => message),
          };
          await broker.start(recorder(started));
          // A backend that delivers only what was subscribed: these tests want every topic.
          await broker.subscribe?.('*');
          return started;
        }),
      );
    }

    /** Each instance publishes `count` messages "<instance>:<n>", interleaved with the others. */
    async function publishRound(instances: Started[], round: string, count: number): Promise<void> {
      const sent: Promise<void>[] = [];
      for (let n = 0; n < count; n++) instances.forEach(({ broker }, i) => sent.push(broker.publish(`user:${i + 1}`, `${round}/${i}:${n}`)));
      await Promise.all(sent);
    }

    /**
     * Waits until every instance holds every message of the round. Then each instance publishes a
     * fence and waits for every other's: an instance's own echo travels the channel ahead of a
     * fence published after its messages arrived elsewhere, so a late echo would be seen by now.
     */
    async function settle(instances: Started[], round: string, count: number): Promise<void> {
      const ofRound = (started: Started) => started.messages().filter((m) => m.startsWith(`${round}/`));
      for (const started of instances) await waitUntil(() => ofRound(started).length >= count * instances.length, `${round} at every instance`);
      await Promise.all(instances.map(({ broker }, i) => broker.publish('control', `${round}-fence/${i}`)));
      for (const started of instances) {
        await waitUntil(() => started.messages().filter((m) => m.startsWith(`${round}-fence/`)).length === instances.length, `${round} fences`);
      }
    }

    /** Per instance: which instance each message came from, in arrival order. */
    function expectEachOnceInOrder(instances: Started[], round: string, count: number): void {
      for (const started of instances) {
        const ofRound = started.messages().filter((m) => m.startsWith(`${round}/`));
        expect(ofRound.length).toBe(count * instances.length);
        instances.forEach((_, origin) => {
          const fromOrigin = ofRound.filter((m) => m.startsWith(`${round}/${origin}:`));
          expect(fromOrigin).toEqual(Array.from({ length: count }, (_, n) => `${round}/${origin}:${n}`));
        });
      }
    }

    it('delivers its own publishes synchronously, inside publish(), in publish order', async () => {
      const [one] = await start(1);
      const sent: Promise<void>[] = [];
      for (let n = 0; n < 100; n++) {
        sent.push(one!.broker.publish(`user:${(n % 3) + 1}`, `own:${n}`));
        expect(one!.got.at(-1)).toEqual([`user:${(n % 3) + 1}`, `own:${n}`]);
      }
      await Promise.all(sent);
      expect(one!.messages()).toEqual(Array.from({ length: 100 }, (_, n) => `own:${n}`));
      expect(one!.broker.connected).toBe(true);
    });

    it('hands each message to the method of its kind, a user\'s lines split, a presence change read, and drops what it cannot read', async () => {
      const instances = await start(Math.min(2, backend.maxInstances));
      const [a] = instances;
      await a!.broker.publish('user:7', 'first line\nsecond line');
      await a!.broker.publish('presence', messages.presence(7, 'join'));
      await a!.broker.publish('presence', '{"type":"presence","user_id":"7","status":"join"}');
      await a!.broker.publish('control', 'a control message');
      await a!.broker.publish('nonsense:7', 'nobody publishes here');
      await a!.broker.publish('user:0', 'no such user');
      await a!.broker.publish('control', 'last');
      for (const started of instances) {
        await waitUntil(() => started.got.some(([, message]) => message === 'last'), 'every message to arrive');
        expect(started.got).toEqual([
          ['user:7', 'first line\nsecond line'],
          ['presence', '7 join'],
          ['control', 'a control message'],
          ['control', 'last'],
        ]);
        expect(started.dropped).toEqual(['malformed', 'unknown_topic', 'unknown_topic']);
      }
      // Only what came from another instance is counted as received, by its kind.
      expect(a!.received).toEqual([]);
      if (instances[1]) expect(instances[1].received).toEqual(['user', 'presence', 'presence', 'control', 'control']);
    });

    if (backend.maxInstances > 1) {
      it('gives every instance each message exactly once, in publish order per origin, own ones included', async () => {
        const instances = await start(3);
        await publishRound(instances, 'r1', 50);
        await settle(instances, 'r1', 50);
        expectEachOnceInOrder(instances, 'r1', 50);
        for (const { broker } of instances) expect(broker.connected).toBe(true);
      });

      it('never hands an instance its own echo: what it published arrives once, at publish time', async () => {
        const [a, b] = await start(2);
        await a!.broker.publish('user:1', 'echo/0:0');
        expect(a!.messages()).toEqual(['echo/0:0']);
        await settle([a!, b!], 'echo', 0);
        expect(a!.messages().filter((m) => m === 'echo/0:0')).toEqual(['echo/0:0']);
        expect(b!.messages().filter((m) => m === 'echo/0:0')).toEqual(['echo/0:0']);
      });
    } else {
      it(`is ${backend.maxInstances} instance by design: each publish is delivered once, to it`, async () => {
        const [one] = await start(1);
        await publishRound([one!], 'solo', 20);
        expectEachOnceInOrder([one!], 'solo', 20);
      });
    }

    if (backend.selective) {
      it('delivers another instance\'s message only on a topic subscribed, a pattern covering it, or neither twice', async () => {
        const [a, b] = backend.make(2);
        running.push(a!, b!);
        const got: string[] = [];
        await a!.start(lines([]));
        await b!.start(lines(got));
        await b!.subscribe!('control');
        const fence = async (mark: string) => {
          await a!.publish('control', `fence ${mark}`);
          await waitUntil(() => got.includes(`control fence ${mark}`), `fence ${mark}`);
        };
        await a!.publish('user:1', 'before any subscription');
        await b!.subscribe!('user:1');
        await a!.publish('user:1', 'subscribed');
        await a!.publish('user:2', 'not subscribed');
        await fence('1');
        // The pattern covers user:1 (no second copy of it) and brings user:2.
        await b!.subscribe!('user:*');
        await a!.publish('user:1', 'covered');
        await a!.publish('user:2', 'by the pattern');
        await fence('2');
        // The pattern goes; user:1, still subscribed, goes on; user:2 stops.
        await b!.unsubscribe!('user:*');
        await a!.publish('user:1', 'after the pattern');
        await a!.publish('user:2', 'after the pattern');
        await b!.unsubscribe!('user:1');
        await a!.publish('user:1', 'after everything');
        await fence('3');
        expect(got.filter((line) => !line.startsWith('control fence'))).toEqual(['user:1 subscribed', 'user:1 covered', 'user:2 by the pattern', 'user:1 after the pattern']);
      });
    }

    const outage = backend.outage;
    if (outage) {
      it(`while the backend is down: connected is false, a publish ${outage.publishWhileDown} and still reaches its own instance`, async () => {
        const instances = await start(Math.min(2, backend.maxInstances));
        await outage.begin();
        try {
          for (const started of instances) await waitUntil(() => !started.broker.connected && started.disconnects === 1, 'the outage to be noticed');
          const [a] = instances;
          const during = a!.broker.publish('user:1', 'down/0:0');
          expect(a!.messages()).toContain('down/0:0');
          if (outage.publishWhileDown === 'rejects') await expect(during).rejects.toThrow();
          else await during;
          await during.catch(() => {});
        } finally {
          await outage.end();
        }
        for (const started of instances) expect(started.disconnects).toBe(1);
      });

      it('after the backend returns: onReconnect fires once and delivery resumes with no duplicate subscription', async () => {
        const instances = await start(Math.min(3, backend.maxInstances));
        await publishRound(instances, 'before', 5);
        await settle(instances, 'before', 5);
        await outage.begin();
        for (const started of instances) await waitUntil(() => started.disconnects === 1, 'the outage to be noticed');
        await outage.end();
        for (const started of instances) await waitUntil(() => started.reconnects === 1, 'onReconnect');
        // A reconnect attempt's late close event may still be on its way: connected settles true.
        for (const started of instances) await waitUntil(() => started.broker.connected, 'connected after the reconnect');

        await publishRound(instances, 'after', 20);
        await settle(instances, 'after', 20);
        expectEachOnceInOrder(instances, 'after', 20);
        for (const started of instances) expect([started.disconnects, started.reconnects]).toEqual([1, 1]);
      });
    }
  });
}
