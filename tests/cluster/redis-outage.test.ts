/**
 * Redis killed and started again (same port, empty) under two running server processes while
 * plays keep landing on both: /health says `degraded` while it is away, plays and delivery on
 * the same instance go on, and within 15 s of Redis returning every open user socket and
 * monitor on every instance holds every event exactly once, in order, with no restart.
 */
import { describe, expect, it } from 'bun:test';
import type { Api } from '../support/client';
import { eventually, useCluster } from '../support/cluster';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { allIds, eventIds, playLoop, probe, waitUntil } from '../support/streams';

const suite = useCluster(2);
const { sockets } = suite;

const healthOf = async (client: Api) => (await client.get('/health')).json?.status as string | undefined;
const userEvents = (monitor: TestSocket, userId: number) => monitor.all('game_event').filter((m) => m.user_id === userId).map((m) => m.event_id as string);
/** Long enough for the suite.clients' reconnect back-off to reach its ceiling. */
const OUTAGE_MS = 1_500;
/** Recovery must come within this of Redis returning (the issue's bound). */
const RECOVERY_MS = 15_000;

describe('Redis stopped and started under two instances', () => {
  it('keeps playing and delivering locally while Redis is down, and heals every stream once it is back', async () => {
    const [a, b] = suite.clients as [Api, Api];
    const urls = suite.cluster.instances.map((instance) => instance.url);
    // Two players on both instances, and a third only on A (same-instance delivery).
    const players = [await a.signup(), await b.signup()];
    const local = await a.signup();
    const userSockets = await Promise.all(players.flatMap((player) => urls.map(async (url) => ({ player, socket: sockets.track(await openUserSocket(url, player.access_token)) }))));
    const localSocket = sockets.track(await openUserSocket(urls[0]!, local.access_token));
    const monitors = await Promise.all(urls.map(async (url) => sockets.track((await openMonitor(url, suite.adminToken)).socket)));

    // Each player keeps a play in flight through each instance, for the whole test.
    const loops = players.flatMap((player) => [a, b].map((client) => playLoop(client, player.access_token)));
    await waitUntil(() => loops.every((loop) => loop.ids.length >= 3), 'plays before the outage');

    await suite.cluster.redis.stop();
    const down = Date.now();
    for (const client of [a, b]) await eventually(() => healthOf(client), (status) => status === 'degraded', '/health degraded while Redis is down');
    const before = loops.map((loop) => loop.ids.length);
    // Plays go on on both instances, and a play answered on A reaches the socket on A.
    await waitUntil(() => loops.every((loop, i) => loop.ids.length >= before[i]! + 5) && Date.now() - down >= OUTAGE_MS, 'plays during the outage');
    for (let i = 0; i < 3; i++) await probe(a, local.access_token, localSocket);
    expect(await healthOf(a)).toBe('degraded');

    await suite.cluster.redis.start();
    const back = Date.now();
    // Plays keep landing through the reconnect, then stop.
    await Bun.sleep(300);
    await Promise.all(loops.map((loop) => loop.stop()));
    const expected = new Map(players.map((player) => [player.user.id, allIds(player.user.id, loops.filter((_, i) => Math.floor(i / 2) === players.indexOf(player)).reduce((n, loop) => n + loop.ids.length, 0))]));

    const complete = () =>
      userSockets.every(({ player, socket }) => eventIds(socket).length >= expected.get(player.user.id)!.length) &&
      monitors.every((monitor) => players.every((player) => userEvents(monitor, player.user.id).length >= expected.get(player.user.id)!.length));
    await waitUntil(complete, 'every event on every socket and monitor after Redis returned', RECOVERY_MS).catch((error) => {
      const missing = (ids: string[], userId: number) => expected.get(userId)!.filter((id) => !ids.includes(id)).join(' ');
      const sockets = userSockets.map(({ player, socket }, i) => `user socket ${i}: missing ${missing(eventIds(socket), player.user.id)}`);
      const feeds = monitors.flatMap((monitor, i) => players.map((player) => `monitor ${i}: missing ${missing(userEvents(monitor, player.user.id), player.user.id)}`));
      const logs = suite.cluster.instances.map((instance) => instance.output().split('\n').filter((line) => !line.includes('publish failed')).join('\n').slice(-3000));
      throw new Error([(error as Error).message, ...sockets, ...feeds, ...logs].join('\n'));
    });
    const healed = Date.now() - back;
    for (const client of [a, b]) await eventually(() => healthOf(client), (status) => status === 'ok', '/health ok again', RECOVERY_MS);
    // A fence per player through the other instance: any repeat still on its way is ahead of it.
    for (const [i, player] of players.entries()) {
      const fence = await suite.clients[1 - i]!.play(player.access_token, 'slot');
      expected.get(player.user.id)!.push(fence.json.event_id);
      for (const { socket } of userSockets.filter((entry) => entry.player === player)) await socket.next((m) => m.type === 'game_event' && m.event_id === fence.json.event_id);
      for (const monitor of monitors) await monitor.next((m) => m.type === 'game_event' && m.event_id === fence.json.event_id);
    }

    for (const { player, socket } of userSockets) expect(eventIds(socket)).toEqual(expected.get(player.user.id)!);
    for (const monitor of monitors) for (const player of players) expect(userEvents(monitor, player.user.id)).toEqual(expected.get(player.user.id)!);
    expect(eventIds(localSocket)).toEqual(allIds(local.user.id, 3));
    const audit = await suite.cluster.sql()`SELECT COUNT(*) AS n FROM events WHERE user_id IN ${suite.cluster.sql()(players.map((p) => p.user.id))}`;
    expect(Number(audit[0].n)).toBe([...expected.values()].reduce((n, ids) => n + ids.length, 0));
    // Presence came through too: nobody was reported gone, and both instances name all three.
    for (const monitor of monitors) expect(monitor.all('presence').filter((m) => m.status === 'leave')).toEqual([]);
    for (const url of urls) {
      const { socket, snapshot } = await openMonitor(url, suite.adminToken);
      socket.close();
      expect(snapshot.connected_user_ids).toEqual(expect.arrayContaining([...players, local].map((user) => user.user.id)));
    }
    console.log(`redis outage: every stream whole ${healed} ms after Redis returned`);
  }, 45_000);

  it('tells every monitor of the sockets opened and closed while Redis was down, once it is back', async () => {
    const [a, b] = suite.clients as [Api, Api];
    const urls = suite.cluster.instances.map((instance) => instance.url);
    const [stayer, leaver, joiner] = [await a.signup(), await b.signup(), await a.signup()];
    const monitors = await Promise.all(urls.map(async (url) => sockets.track((await openMonitor(url, suite.adminToken)).socket)));
    sockets.track(await openUserSocket(urls[0]!, stayer.access_token));
    const leaving = sockets.track(await openUserSocket(urls[1]!, leaver.access_token));
    const statuses = (monitor: TestSocket, userId: number) => monitor.all('presence').filter((m) => m.user_id === userId).map((m) => m.status as string);
    for (const monitor of monitors) await waitUntil(() => statuses(monitor, stayer.user.id).length + statuses(monitor, leaver.user.id).length === 2, 'both joins');

    await suite.cluster.redis.stop();
    for (const client of [a, b]) await eventually(() => healthOf(client), (status) => status === 'degraded', '/health degraded while Redis is down');
    leaving.close();
    await leaving.closed;
    sockets.track(await openUserSocket(urls[0]!, joiner.access_token));
    await suite.cluster.redis.start();

    const settled = () => monitors.every((monitor) => statuses(monitor, leaver.user.id).length === 2 && statuses(monitor, joiner.user.id).length === 1);
    await waitUntil(settled, "the leaver's leave and the joiner's join on both monitors", RECOVERY_MS).catch((error) => {
      const seen = monitors.map((monitor, i) => `monitor ${i}: ${monitor.all('presence').map((m) => `${m.user_id} ${m.status}`).join(', ')}`);
      throw new Error([(error as Error).message, `stayer ${stayer.user.id}, leaver ${leaver.user.id}, joiner ${joiner.user.id}`, ...seen].join('\n'));
    });
    for (const monitor of monitors) {
      await monitor.settle();
      expect(statuses(monitor, stayer.user.id)).toEqual(['join']);
      expect(statuses(monitor, leaver.user.id)).toEqual(['join', 'leave']);
      expect(statuses(monitor, joiner.user.id)).toEqual(['join']);
    }
    const snapshots = await Promise.all(urls.map((url) => openMonitor(url, suite.adminToken)));
    const named = snapshots.map(({ socket, snapshot }) => {
      socket.close();
      return [...(snapshot.connected_user_ids as number[])].sort((x, y) => x - y);
    });
    expect(named[0]).toEqual(named[1]!);
    expect(named[0]).toEqual(expect.arrayContaining([stayer.user.id, joiner.user.id]));
    expect(named[0]).not.toContain(leaver.user.id);
  }, 30_000);
});
