/**
 * The monitors' order across a cluster of two processes on one PostgreSQL and one Redis, with
 * plays landing on both at once: every monitor on every instance receives every event in the
 * same order, the cursor order of the database's ids; and a monitor that leaves one instance
 * and resumes on the other with `since` gets every event after its cursor once, in that order.
 */
import { describe, expect, it } from 'bun:test';
import { useCluster } from '../support/cluster';
import { openMonitor, openSocket, type TestSocket } from '../support/socket';
import { playLoop, waitUntil } from '../support/streams';

const suite = useCluster(2);
const { sockets } = suite;

/** A resumed monitor's events: its snapshot's (the replay after `since`), then the live ones. */
const replayedAndLive = (socket: TestSocket) => [...socket.all('monitor_snapshot').flatMap((s) => s.recent_events), ...socket.all('game_event')] as { event_id: string; cursor: string }[];

describe('the monitors’ order on a cluster of two', () => {
  it('is the same on every instance, and a monitor resumes on the other instance with nothing missed or repeated', async () => {
    const [a, b] = suite.cluster.instances.map((instance) => instance.url) as [string, string];
    const stay = await Promise.all([a, b].map(async (url) => sockets.track((await openMonitor(url, suite.adminToken)).socket)));
    const roaming = sockets.track((await openMonitor(a, suite.adminToken)).socket);
    const [{ start }] = await suite.cluster.sql()`SELECT COALESCE(MAX(id), 0) AS start FROM events`;
    const players = await Promise.all([suite.clients[0]!.signup('order'), suite.clients[1]!.signup('order')]);
    const loops = players.flatMap((player) => suite.clients.map((client) => playLoop(client, player.access_token)));
    let resumed: TestSocket;
    try {
      await waitUntil(() => loops.every((loop) => loop.ids.length >= 3), 'plays on both instances');
      await waitUntil(() => roaming.all('game_event').length > 0, 'an event on the roaming monitor');
      roaming.close();
      await roaming.closed;
      const since = roaming.all('game_event').at(-1)!.cursor as string;
      await waitUntil(() => loops.every((loop) => loop.ids.length >= 8), 'plays while the monitor is away');
      resumed = sockets.track(openSocket(b, '/api/games/ws/monitor', { token: suite.adminToken, query: { since } }));
      await resumed.next('monitor_snapshot');
      await Bun.sleep(100);
    } finally {
      await Promise.all(loops.map((loop) => loop.stop()));
    }
    const stored = (await suite.cluster.sql()`SELECT user_id, seq FROM events WHERE id > ${Number(start)} ORDER BY id`).map(
      (row: { user_id: unknown; seq: unknown }) => `${Number(row.user_id)}-${Number(row.seq)}`,
    );
    await waitUntil(() => stay.every((socket) => socket.all('game_event').length >= stored.length), 'every event on both staying monitors', 10_000);
    for (const socket of stay) expect(socket.all('game_event').map((event) => event.event_id)).toEqual(stored);
    const cursors = stay[0]!.all('game_event').map((event) => Number(event.cursor));
    expect(cursors).toEqual([...cursors].sort((x, y) => x - y));

    await waitUntil(() => replayedAndLive(resumed!).length + roaming.all('game_event').length >= stored.length, 'every event on the roaming monitor', 10_000);
    const roamed = [...roaming.all('game_event'), ...replayedAndLive(resumed!)].map((event) => event.event_id);
    expect(roamed).toEqual(stored);
  }, 30_000);
});
