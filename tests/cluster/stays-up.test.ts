/**
 * Ordinary faults never end an instance (each of these once exited every instance of a
 * cluster): a resume while PostgreSQL is down, a `/ready` probe while an instance starts, and
 * frames on the broker's channel that no instance of this version wrote.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { api } from '../support/client';
import { total } from '../support/prometheus';
import { eventually, useCluster, type Instance } from '../support/cluster';
import { postgresCluster } from '../support/postgres';
import { freePort } from '../support/ports';
import { openMonitor, openSocket, openUserSocket } from '../support/socket';

const suite = useCluster(2);
const { sockets } = suite;
afterAll(async () => (await postgresCluster()).start());

const isRunning = (instance: Instance) => instance.proc.exitCode === null && instance.proc.signalCode === null;

const droppedFrames = (url: string) => total(url, 'games_broker_frames_dropped_total');

describe('an instance under ordinary faults', () => {
  it('closes a resume it cannot read with 1013 while PostgreSQL is down, stays up, and resumes once it is back', async () => {
    const [client] = suite.clients;
    const user = await client!.signup();
    for (let i = 0; i < 3; i++) expect((await client!.play(user.access_token, 'gacha', { bet: 1 })).status).toBe(200);
    const postgres = await postgresCluster();
    await postgres.stop();
    try {
      for (const instance of suite.cluster.instances) {
        for (const since of [`${user.user.id}-0`, `${user.user.id}-2`]) {
          const socket = openSocket(instance.url, '/api/games/ws', { token: user.access_token, query: { since } });
          sockets.track(socket);
          const closed = await socket.closed;
          expect(closed.code).toBe(1013);
        }
      }
      await Bun.sleep(300); // an unhandled rejection ends the process on the next turns
      for (const instance of suite.cluster.instances) expect(isRunning(instance)).toBe(true);
    } finally {
      await postgres.start();
    }
    const socket = await eventually(
      async () => {
        const attempt = openSocket(suite.cluster.instances[1]!.url, '/api/games/ws', { token: user.access_token, query: { since: `${user.user.id}-1` } });
        sockets.track(attempt);
        const outcome = await Promise.race([attempt.next((m) => m.type === 'game_event' && m.event_id === `${user.user.id}-3`, 3000).then(() => 'replayed'), attempt.closed.then(() => 'closed')]);
        return outcome === 'replayed' ? attempt : undefined;
      },
      (value) => value !== undefined,
      'a resume that replays once PostgreSQL is back',
      20_000,
    );
    expect(socket!.all('game_event').map((m) => m.event_id)).toEqual([`${user.user.id}-2`, `${user.user.id}-3`]);
  }, 60_000);

  it('drops malformed and foreign frames on the broker channel instead of exiting, and counts them', async () => {
    const publisher = new Redis(suite.cluster.redis.url);
    try {
      const user = await suite.clients[0]!.signup();
      const watcher = await openUserSocket(suite.cluster.instances[1]!.url, user.access_token);
      sockets.track(watcher);
      // A monitor on each: every instance then takes every user's channel and presence.
      for (const instance of suite.cluster.instances) sockets.track((await openMonitor(instance.url, suite.adminToken)).socket);
      const before = await Promise.all(suite.cluster.instances.map((instance) => droppedFrames(instance.url)));
      const frames = ['g1\nx\npresence\nnot json', 'g1\nx\npresence\nnull', 'g1\nx\npresence\n[1,2]', 'g1\nx\nevents\nnot json', 'g1\nx\nevents\nnull', 'garbage', ''];
      for (const channel of ['game-events:presence', `game-events:user:${user.user.id}`]) for (const frame of frames) await publisher.publish(channel, frame);
      await Bun.sleep(300);
      for (const instance of suite.cluster.instances) expect(isRunning(instance)).toBe(true);
      const after = await Promise.all(suite.cluster.instances.map((instance) => droppedFrames(instance.url)));
      after.forEach((count, i) => expect(count).toBeGreaterThan(before[i]!));
      // Still delivering: a real play reaches the user's socket on the other instance.
      expect((await suite.clients[0]!.play(user.access_token, 'slot', { bet: 1 })).status).toBe(200);
      await watcher.next((m) => m.type === 'game_event' && m.event_id === `${user.user.id}-1`);
    } finally {
      publisher.disconnect();
    }
  }, 30_000);

  it('comes up and stays up with /ready probed every 10 ms from before it listens', async () => {
    for (let start = 0; start < 3; start++) {
      const port = freePort();
      const url = `http://127.0.0.1:${port}`;
      let isProbing = true;
      const statuses = new Set<number>();
      const probing = (async () => {
        while (isProbing) {
          const status = await fetch(`${url}/ready`).then((answer) => answer.status, () => 0);
          statuses.add(status);
          await Bun.sleep(10);
        }
      })();
      try {
        const instance = await suite.cluster.spawn({ PORT: String(port) });
        await eventually(() => api(instance.url).get('/ready').then((answer) => answer.status), (status) => status === 200, 'the new instance ready');
        await Bun.sleep(300);
        expect(isRunning(instance)).toBe(true);
        await instance.stop('SIGTERM');
      } finally {
        isProbing = false;
        await probing;
      }
      expect(statuses.has(200)).toBe(true);
    }
  }, 90_000);
});
