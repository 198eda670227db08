/**
 * Presence flapping coalesced (WS_PRESENCE_GRACE_MS): a user whose last socket closes is told
 * gone only once the grace has passed with no socket of theirs opened again, anywhere in the
 * cluster. Open/close cycles make one join and no leave at every monitor; the leave comes,
 * once, when the grace has passed. Time is the injected clock; every check plays a probe
 * first (a monitor gets messages in order), after the presence changes under way have been
 * told to the cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { frameKey } from '../../src/realtime/broker/frame';
import { redisBrokerFromUrl } from '../../src/realtime/broker/redis';
import { createMemoryPresence, MemoryPresenceStore } from '../../src/realtime/presence/memory';
import type { Presence } from '../../src/realtime/presence/presence';
import { createRedisPresence } from '../../src/realtime/presence/redis';
import type { Broker } from '../../src/realtime/broker/broker';
import { LateBroker, LateNetwork } from '../support/brokers';
import { api } from '../support/client';
import { ManualClock } from '../support/clock';
import { startTestRedis, type TestRedis } from '../support/redis';
import { startTestServer, tempDir, type TestServer } from '../support/server';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { closer, probe, waitUntil } from '../support/streams';

const GRACE_MS = 2_000;
const CYCLES = 20;

/** Opens a user socket, waits for its ack, closes it and waits for the close: one cycle. */
async function cycle(baseUrl: string, token: string): Promise<void> {
  const socket = await openUserSocket(baseUrl, token);
  socket.close();
  await socket.closed;
}

/** Two instances (or one) with a monitor on each, and what each monitor was told of a user. */
function presenceAt(servers: () => TestServer[], monitors: () => TestSocket[]) {
  return async (userId: number, token: string): Promise<string[][]> => {
    for (const server of servers()) await server.app.hub.presence.settled();
    const client = api(servers()[0]!.url);
    for (const monitor of monitors()) await probe(client, token, monitor);
    return monitors().map((monitor) =>
      monitor
        .all('presence')
        .filter((m) => m.user_id === userId)
        .map((m) => m.status as string),
    );
  };
}

describe('presence flapping on one instance', () => {
  const clock = new ManualClock();
  const sockets = closer();
  let server: TestServer;
  let monitor: TestSocket;
  beforeAll(async () => {
    server = await startTestServer({ WS_PRESENCE_GRACE_MS: String(GRACE_MS) }, { clock });
    const admin = await api(server.url).loginAdmin();
    monitor = sockets.track((await openMonitor(server.url, admin.access_token)).socket);
  });
  afterAll(async () => {
    sockets.closeAll();
    await server?.close();
  });
  const presenceOf = async (userId: number, token: string) => (await presenceAt(() => [server], () => [monitor])(userId, token))[0]!;

  it(`turns ${CYCLES} open/close cycles into one join and no leave, then one leave once the grace has passed`, async () => {
    const user = await api(server.url).signup();
    for (let i = 0; i < CYCLES; i++) await cycle(server.url, user.access_token);
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join']);
    // Still online to a monitor that connects during the grace.
    const admin = await api(server.url).loginAdmin();
    const during = sockets.track((await openMonitor(server.url, admin.access_token)).socket);
    expect(during.received[0]!.connected_user_ids).toContain(user.user.id);

    clock.advance(GRACE_MS - 1);
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join']);
    clock.advance(1);
    await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'leave');
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join', 'leave']);

    // Gone for real: the next socket is a new join.
    sockets.track(await openUserSocket(server.url, user.access_token));
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join', 'leave', 'join']);
    expect(monitor.schemaViolations).toEqual([]);
  });

  it('lets no leave out for a user who came back within the grace and stayed', async () => {
    const user = await api(server.url).signup();
    await cycle(server.url, user.access_token);
    clock.advance(GRACE_MS - 100);
    sockets.track(await openUserSocket(server.url, user.access_token));
    expect(server.app.hub.presence.heldLeaves).toBe(0);
    clock.advance(GRACE_MS * 5);
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join']);
  });
});

type Backend = {
  name: string;
  /** The broker and presence of each of two instances, sharing what instances share. */
  instances(clock: ManualClock): Promise<{ broker: Broker; presence: Presence }[]>;
  close(): Promise<void>;
};

let redis: TestRedis | undefined;
const redisClients: Redis[] = [];
const backends: Backend[] = [
  {
    name: 'memory presence',
    async instances(clock) {
      const network = new LateNetwork();
      const store = new MemoryPresenceStore();
      return ['a', 'b'].map((id) => ({ broker: new LateBroker(network), presence: createMemoryPresence({ instanceId: `grace-${id}`, now: () => clock.now() }, store) }));
    },
    async close() {},
  },
  {
    name: 'Redis presence',
    async instances(clock) {
      redis = await startTestRedis();
      const key = frameKey('presence grace test key');
      return ['a', 'b'].map((id) => {
        const client = new Redis(redis!.url);
        redisClients.push(client);
        return {
          broker: redisBrokerFromUrl(redis!.url, `grace-${id}`, key, 'grace-test'),
          presence: createRedisPresence(client, { instanceId: `grace-${id}`, prefix: 'grace-test', now: () => clock.now() }),
        };
      });
    },
    async close() {
      await Promise.all(redisClients.map((client) => client.quit()));
      await redis?.close();
    },
  },
];

for (const backend of backends) {
  describe(`presence flapping across two instances, on ${backend.name}`, () => {
    const clock = new ManualClock();
    const sockets = closer();
    let servers: TestServer[] = [];
    let monitors: TestSocket[] = [];
    beforeAll(async () => {
      const dir = tempDir();
      for (const { broker, presence } of await backend.instances(clock)) {
        servers.push(await startTestServer({ WS_PRESENCE_GRACE_MS: String(GRACE_MS) }, { dir, broker, presence, clock }));
      }
      const admin = await api(servers[0]!.url).loginAdmin();
      monitors = await Promise.all(servers.map(async (server) => sockets.track((await openMonitor(server.url, admin.access_token)).socket)));
    });
    afterAll(async () => {
      sockets.closeAll();
      for (const server of servers) await server.close();
      servers = [];
      await backend.close();
    });
    const presenceOf = (userId: number, token: string) => presenceAt(() => servers, () => monitors)(userId, token);
    /** The grace passes: every monitor is told `leave`, once. */
    async function expectOneLeaveAfterTheGrace(user: { user: { id: number }; access_token: string }): Promise<void> {
      clock.advance(GRACE_MS);
      for (const monitor of monitors) await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'leave');
      expect(await presenceOf(user.user.id, user.access_token)).toEqual([
        ['join', 'leave'],
        ['join', 'leave'],
      ]);
    }

    it('turns open/close cycles alternating between the instances into one join and no leave at every monitor, then one leave', async () => {
      const user = await api(servers[0]!.url).signup();
      for (let i = 0; i < CYCLES; i++) await cycle(servers[i % 2]!.url, user.access_token);
      expect(await presenceOf(user.user.id, user.access_token)).toEqual([['join'], ['join']]);

      await expectOneLeaveAfterTheGrace(user);
    });

    it('says nothing when a user moves to the other instance within the grace, and one leave when the last socket there goes', async () => {
      const user = await api(servers[0]!.url).signup();
      await cycle(servers[0]!.url, user.access_token);
      const moved = sockets.track(await openUserSocket(servers[1]!.url, user.access_token));
      clock.advance(GRACE_MS * 2);
      // The first instance lets its held leave out: the user is still on the second, so no one is told.
      await waitUntil(() => servers[0]!.app.hub.presence.heldLeaves === 0, 'the held leave to be let out');
      expect(await presenceOf(user.user.id, user.access_token)).toEqual([['join'], ['join']]);

      moved.close();
      await moved.closed;
      expect(await presenceOf(user.user.id, user.access_token)).toEqual([['join'], ['join']]);
      await expectOneLeaveAfterTheGrace(user);
    });
  });
}
