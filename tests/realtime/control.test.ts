/**
 * The cluster's control messages (src/realtime/control.ts) between instances joined by a
 * broker of the test's own: who is live, a close counted from every instance's answer, an
 * instance's own echo ignored, and whatever malformed arrives dropped and reported, never thrown.
 */
import { describe, expect, it } from 'bun:test';
import { CloseCode } from '../../client/protocol/close-codes';
import { ClusterControl, CONTROL_TOPIC, NODE_TTL_MS } from '../../src/realtime/control';
import type { SocketRegistry } from '../../src/realtime/registry';
import { ManualClock } from '../support/clock';

type FakeSocket = { data: { session: { userId: number; kind: 'user' | 'monitor' } }; closedWith?: number; close(code: number): void };

const socket = (userId: number, kind: 'user' | 'monitor' = 'user'): FakeSocket => ({
  data: { session: { userId, kind } },
  close(code) {
    this.closedWith = code;
  },
});

/** Instances whose brokers deliver every message to all of them, the sender included, at once. */
function cluster(count: number, clock = new ManualClock()) {
  const instances: { control: ClusterControl; sockets: Set<FakeSocket>; errors: string[] }[] = [];
  let isDown = false;
  const broker = {
    get connected() {
      return !isDown;
    },
    async publish(topic: string, message: string) {
      if (isDown) throw new Error('the broker is down');
      expect(topic).toBe(CONTROL_TOPIC);
      for (const instance of instances) instance.control.receive(message);
    },
  };
  for (let i = 0; i < count; i++) {
    const sockets = new Set<FakeSocket>();
    const errors: string[] = [];
    const registry = { open: sockets, get size() { return sockets.size; } } as unknown as SocketRegistry;
    const control = new ClusterControl({
      broker,
      instanceId: `instance-${i}`,
      registry,
      blockedUsers: async () => [],
      pingDatabase: async () => undefined,
      onError: (what) => errors.push(what),
      now: () => clock.now(),
    });
    instances.push({ control, sockets, errors });
  }
  return { instances, clock, setDown: (down: boolean) => (isDown = down) };
}

/** Lets the heartbeats' database pings and publishes run. */
const settle = () => Bun.sleep(5);

describe('cluster control', () => {
  it('knows the live instances from their heartbeats, and forgets one not heard for the TTL', async () => {
    const { instances, clock } = cluster(3);
    instances[2]!.sockets.add(socket(7)).add(socket(8, 'monitor'));
    for (const { control } of instances) void control.announce();
    await settle();
    const seen = instances[0]!.control.liveNodes();
    expect(seen.map((node) => [node.instance, node.self])).toEqual([['instance-0', true], ['instance-1', false], ['instance-2', false]]);
    expect(seen[2]!.sockets).toEqual({ user: 1, monitor: 1 });
    expect(seen[2]!.database).toBe('ok');
    clock.advance(NODE_TTL_MS + 1);
    expect(instances[0]!.control.liveNodes().map((node) => node.instance)).toEqual(['instance-0']);
  });

  it("closes a user's sockets on every instance and counts every instance's answer", async () => {
    const { instances } = cluster(3);
    for (const { control } of instances) void control.announce();
    await settle();
    const targets = [socket(5), socket(5), socket(5)];
    instances[0]!.sockets.add(targets[0]!).add(socket(6));
    instances[1]!.sockets.add(targets[1]!);
    instances[2]!.sockets.add(targets[2]!);
    const { counted } = await instances[0]!.control.announceClose(5, CloseCode.CLOSED_BY_ADMIN, 'test');
    // The asking instance closes its own itself: its own message, echoed back, closed nothing.
    expect(targets[0]!.closedWith).toBeUndefined();
    expect(instances[0]!.control.closeHere(5, CloseCode.CLOSED_BY_ADMIN, 'test')).toBe(1);
    expect(await counted).toBe(2);
    expect(targets.map((t) => t.closedWith)).toEqual([4004, 4004, 4004]);
    expect([...instances[0]!.sockets].filter((s) => s.closedWith === undefined).map((s) => s.data.session.userId)).toEqual([6]);
  });

  it('rejects a close the broker will not take, closing nothing anywhere', async () => {
    const { instances, setDown } = cluster(2);
    const other = socket(9);
    instances[1]!.sockets.add(other);
    setDown(true);
    await expect(instances[0]!.control.announceClose(9, CloseCode.ACCOUNT_BLOCKED, 'test')).rejects.toThrow('the broker is down');
    await settle();
    expect(other.closedWith).toBeUndefined();
  });

  it('drops what it cannot read, reporting it, and never throws', () => {
    const { instances } = cluster(1);
    const { control, errors } = instances[0]!;
    for (const text of ['not json', 'null', '[]', '{"kind":"close","user_id":"7"}', '{"kind":"node","node":{"instance":1}}', '{"kind":"what"}']) {
      expect(() => control.receive(text)).not.toThrow();
    }
    expect(errors).toEqual(Array(6).fill('malformed'));
  });
});
