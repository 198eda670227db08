/**
 * The cluster presence contract (src/realtime/presence/presence.ts) as one suite, run against
 * every backend (presence.memory.test.ts, presence.redis.test.ts). Time is a shared fake clock
 * and each instance's heartbeat is fired by hand, so "an instance dies" is exactly "its
 * heartbeat stops and nothing cleans up", and no test sleeps.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import type { Heartbeat, Presence, PresenceOptions } from '../../src/realtime/presence/presence';

export type PresenceBackend = {
  /** A fresh shared backend: `make` gives instances on it; `close` releases it. */
  cluster(): { make(options: PresenceOptions): Presence; close(): Promise<void> };
};

type Instance = { presence: Presence; beat(): Promise<void>; left: number[][]; rejoined: number[][]; errors: unknown[] };

const LEASE_MS = 9_000;
const HEARTBEAT_MS = 3_000;

export function presenceContract(name: string, backend: PresenceBackend): void {
  describe(`cluster presence on ${name}`, () => {
    let now = 1_700_000_000_000;
    let cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const step of cleanup.reverse()) await step();
      cleanup = [];
    });

    /** `count` started instances on one fresh backend, with hand-fired heartbeats. */
    async function startCluster(count: number, options: Partial<PresenceOptions> = { leaseMs: LEASE_MS, heartbeatMs: HEARTBEAT_MS }): Promise<Instance[]> {
      const cluster = backend.cluster();
      cleanup.push(() => cluster.close());
      return Promise.all(
        Array.from({ length: count }, async (_, i) => {
          let beat: (() => Promise<void>) | undefined;
          const every: Heartbeat = (_ms, b) => {
            beat = b;
            return () => (beat = undefined);
          };
          const presence = cluster.make({ ...options, instanceId: `instance-${i}`, now: () => now, every });
          const instance: Instance = { presence, beat: async () => beat?.(), left: [], rejoined: [], errors: [] };
          await presence.start({
            onLeave: (users) => instance.left.push([...users].sort()),
            onRejoin: (users) => instance.rejoined.push([...users].sort()),
            onError: (error) => instance.errors.push(error),
          });
          return instance;
        }),
      );
    }

    const sorted = async (presence: Presence) => (await presence.connectedUserIds()).sort((a, b) => a - b);

    it('tells the first socket of a user in the whole cluster, once, and lists the user everywhere', async () => {
      const [a, b] = await startCluster(2);
      expect(await a!.presence.add(7)).toBe(true);
      expect(await a!.presence.add(7)).toBe(false);
      expect(await b!.presence.add(7)).toBe(false);
      expect(await b!.presence.add(8)).toBe(true);
      expect(await sorted(a!.presence)).toEqual([7, 8]);
      expect(await sorted(b!.presence)).toEqual([7, 8]);
    });

    it('tells the last socket of a user in the whole cluster, once', async () => {
      const [a, b] = await startCluster(2);
      await a!.presence.add(7);
      await b!.presence.add(7);
      await b!.presence.add(7);
      expect(await b!.presence.remove(7)).toBe(false);
      expect(await a!.presence.remove(7)).toBe(false);
      expect(await b!.presence.remove(7)).toBe(true);
      expect(await a!.presence.connectedUserIds()).toEqual([]);
    });

    it('answers false for a socket this instance never counted in, and changes nothing', async () => {
      const [a, b] = await startCluster(2);
      await a!.presence.add(7);
      expect(await b!.presence.remove(7)).toBe(false);
      expect(await b!.presence.connectedUserIds()).toEqual([7]);
    });

    it('of many sockets opening at once across instances, exactly one is the first; of them closing, one the last', async () => {
      const instances = await startCluster(3);
      const opened = await Promise.all(instances.flatMap(({ presence }) => [presence.add(5), presence.add(5), presence.add(5)]));
      expect(opened.filter(Boolean)).toHaveLength(1);
      const closed = await Promise.all(instances.flatMap(({ presence }) => [presence.remove(5), presence.remove(5), presence.remove(5)]));
      expect(closed.filter(Boolean)).toHaveLength(1);
      expect(await instances[0]!.presence.connectedUserIds()).toEqual([]);
    });

    it('after an instance dies, one survivor reports exactly the users whose last socket was there', async () => {
      const [a, b, c] = await startCluster(3);
      await b!.presence.add(1); // only on the instance that dies
      await b!.presence.add(2); // also on a survivor
      await a!.presence.add(2);
      await a!.presence.add(3);
      await c!.presence.add(4);
      // b's heartbeat stops and nothing cleans up; the survivors keep beating.
      now += LEASE_MS - 1;
      await Promise.all([a!.beat(), c!.beat()]);
      expect([...a!.left, ...c!.left]).toEqual([]);
      expect(await sorted(a!.presence)).toEqual([1, 2, 3, 4]);

      now += HEARTBEAT_MS;
      await Promise.all([a!.beat(), c!.beat()]);
      expect([...a!.left, ...c!.left]).toEqual([[1]]);
      expect(await sorted(c!.presence)).toEqual([2, 3, 4]);

      now += HEARTBEAT_MS;
      await Promise.all([a!.beat(), c!.beat()]);
      expect([...a!.left, ...c!.left]).toEqual([[1]]);
      expect([...a!.errors, ...c!.errors]).toEqual([]);
      // A later close of a socket the dead instance had is not a second leave.
      expect(await a!.presence.remove(2)).toBe(true);
    });

    it('with the default lease, a dead instance is swept within 10 s plus one heartbeat', async () => {
      const [a, b] = await startCluster(2, {});
      await b!.presence.add(1);
      now += 10_000 + Math.floor(10_000 / 3);
      await a!.beat();
      expect(a!.left).toEqual([[1]]);
    });

    it('keeps a live instance: renewed leases are never swept', async () => {
      const [a, b] = await startCluster(2);
      await b!.presence.add(1);
      for (let i = 0; i < 10; i++) {
        now += HEARTBEAT_MS;
        await b!.beat();
        await a!.beat();
      }
      expect(a!.left).toEqual([]);
      expect(await a!.presence.connectedUserIds()).toEqual([1]);
    });

    it('on stop, gives up its lease at once and resolves the users whose last socket was here', async () => {
      const [a, b] = await startCluster(2);
      await b!.presence.add(1);
      await b!.presence.add(2);
      await a!.presence.add(2);
      expect((await b!.presence.stop()).sort()).toEqual([1]);
      expect(await a!.presence.connectedUserIds()).toEqual([2]);
      now += LEASE_MS + HEARTBEAT_MS;
      await a!.beat();
      expect(a!.left).toEqual([]);
    });

    it('an instance swept while paused puts its sockets back on its next heartbeat and reports them', async () => {
      const [a, b] = await startCluster(2);
      await b!.presence.add(1);
      await b!.presence.add(2);
      await a!.presence.add(2);
      now += LEASE_MS + 1;
      await a!.beat();
      expect(a!.left).toEqual([[1]]);
      await b!.beat();
      expect(b!.rejoined).toEqual([[1]]);
      expect(await sorted(a!.presence)).toEqual([1, 2]);
      expect(await b!.presence.remove(2)).toBe(false);
      expect(await a!.presence.remove(2)).toBe(true);
      expect(await b!.presence.remove(1)).toBe(true);
    });
  });
}
