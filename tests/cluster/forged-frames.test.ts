/**
 * Anyone who can PUBLISH on the cluster's Redis channel: the frames they write reach no
 * socket. Each forgery below once reached players and monitors (issue 16): an invented win
 * under the user's next event_id (which then made every stream drop the real event as a
 * repeat), a fake balance, raw text to every monitor, a false `leave`, a far-ahead seq that
 * pinned the instances and PostgreSQL re-reading a gap that does not exist.
 */
import { describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { useCluster } from '../support/cluster';
import { total } from '../support/prometheus';
import { openMonitor, openUserSocket } from '../support/socket';

const suite = useCluster(2);
const { sockets } = suite;

const droppedFrames = (url: string) => total(url, 'games_broker_frames_dropped_total');

/** The frame layouts an attacker would try: the previous release's plain frame, and the current one with a made-up MAC; on the topic's channel. */
const forgeries = (topic: string, message: string): [channel: string, frame: string][] => [
  [`game-events:${topic}`, `g1\nforger\n${topic}\n${message}`],
  [`game-events:${topic}`, `g2\nforger\n1\n${topic}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n${message}`],
];

describe('frames no instance published', () => {
  it('reach no socket, cannot replace a real event, and are counted as dropped', async () => {
    const [client] = suite.clients;
    const user = await client!.signup();
    const id = user.user.id;
    const monitors = await Promise.all(suite.cluster.instances.map(async (instance) => (await openMonitor(instance.url, suite.adminToken)).socket));
    const userSockets = await Promise.all(suite.cluster.instances.map((instance) => openUserSocket(instance.url, user.access_token)));
    for (const socket of [...userSockets, ...monitors]) sockets.track(socket);
    for (const monitor of monitors) await monitor.next((m) => m.type === 'presence' && m.user_id === id && m.status === 'join', 15_000);

    const first = await client!.play(user.access_token, 'slot', { bet: 1 });
    expect(first.status).toBe(200);
    for (const socket of [...userSockets, ...monitors]) await socket.next((m) => m.type === 'game_event' && m.event_id === `${id}-1`);
    const real = userSockets[0]!.all('game_event')[0]!;
    const dropsBefore = await Promise.all(suite.cluster.instances.map((instance) => droppedFrames(instance.url)));

    const invented = JSON.stringify({ ...real, event_id: `${id}-2`, seq: 2, payout: 999999 });
    const farAhead = JSON.stringify({ ...real, event_id: `${id}-1002`, seq: 1002 });
    const fakeBalance = JSON.stringify({ type: 'balance_update', v: 1, user_id: id, balance: 99999999, delta: 99999999, reason: 'game', event_id: `${id}-2`, ts: new Date().toISOString() });
    const falseLeave = JSON.stringify({ type: 'presence', v: 1, user_id: id, status: 'leave', ts: new Date().toISOString() });
    const frames = [
      ...forgeries(`user:${id}`, invented),
      ...forgeries(`user:${id}`, farAhead),
      ...forgeries(`user:${id}`, fakeBalance),
      ...forgeries(`user:${id}`, 'FORGED not json <script>'),
      ...forgeries('presence', falseLeave),
      ...forgeries(`user:${id}`, 'not json at all'),
      ...forgeries(`user:${id}`, `${invented}\n${fakeBalance}`),
    ];
    const publisher = new Redis(suite.cluster.redis.url);
    try {
      for (const [channel, frame] of frames) await publisher.publish(channel, frame);
    } finally {
      publisher.disconnect();
    }

    const second = await client!.play(user.access_token, 'rps', { bet: 1, choice: 'rock' });
    expect(second.status).toBe(200);
    for (const socket of [...userSockets, ...monitors]) {
      const event = await socket.next((m) => m.type === 'game_event' && m.event_id === `${id}-2`);
      expect(event.payout).toBe(second.json.payout);
      expect(event.game_type).toBe('rps');
    }
    await Bun.sleep(200);
    for (const socket of [...userSockets, ...monitors]) {
      expect(socket.all('game_event').map((m) => m.event_id)).toEqual([`${id}-1`, `${id}-2`]);
      expect(socket.received.some((m) => m.type === 'balance_update' && m.balance === 99999999)).toBe(false);
    }
    for (const monitor of monitors) expect(monitor.all('presence').filter((m) => m.user_id === id).map((m) => m.status)).toEqual(['join']);
    const dropsAfter = await Promise.all(suite.cluster.instances.map((instance) => droppedFrames(instance.url)));
    dropsAfter.forEach((count, i) => expect(count - dropsBefore[i]!).toBe(frames.length));
  }, 40_000);
});
