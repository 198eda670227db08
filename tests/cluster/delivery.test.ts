/**
 * Two real server processes on one PostgreSQL and one Redis, healthy: a play answered by
 * either reaches the player's sockets and every monitor on both, once, in order; presence is
 * the cluster's (join at a user's first socket anywhere, leave at the last); both instances
 * hold the same snapshot, and a socket resumes on one instance for events made on the other.
 */
import { describe, expect, it } from 'bun:test';
import type { Api } from '../support/client';
import { useCluster } from '../support/cluster';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { eventIds, waitUntil } from '../support/streams';

const suite = useCluster(2);
const { sockets } = suite;

const urlOf = (i: number) => suite.cluster.instances[i]!.url;
const userEvents = (monitor: TestSocket, userId: number) => monitor.all('game_event').filter((m) => m.user_id === userId).map((m) => m.event_id as string);
const presenceOf = (monitor: TestSocket, userId: number) => monitor.all('presence').filter((m) => m.user_id === userId).map((m) => m.status as string);

async function monitorOn(i: number): Promise<TestSocket> {
  return sockets.track((await openMonitor(urlOf(i), suite.adminToken)).socket);
}

describe('a cluster of two processes', () => {
  it("delivers a play on either instance to the player's sockets and every monitor on both, once, in order", async () => {
    const [a, b] = suite.clients as [Api, Api];
    const user = await a.signup();
    const onA = sockets.track(await openUserSocket(urlOf(0), user.access_token));
    const onB = sockets.track(await openUserSocket(urlOf(1), user.access_token));
    const monitors = [await monitorOn(0), await monitorOn(1)];
    // A burst on both at once (the user's first events: no instance has seen one of theirs
    // yet), then one at a time on either (a user's order is then the order of the answers).
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).play(user.access_token, 'gacha')));
    for (const play of burst) expect(play.status).toBe(200);
    const played: string[] = [];
    for (let i = 0; i < 12; i++) {
      const play = await (i % 3 === 0 ? a : b).play(user.access_token, 'slot');
      expect(play.status).toBe(200);
      played.push(play.json.event_id);
    }
    const total = played.length + burst.length;
    const all = [...played, ...burst.map((play) => play.json.event_id as string)].sort((x, y) => Number(x.split('-')[1]) - Number(y.split('-')[1]));
    for (const socket of [onA, onB]) await waitUntil(() => eventIds(socket).length >= total, 'every event on both user sockets');
    for (const monitor of monitors) await waitUntil(() => userEvents(monitor, user.user.id).length >= total, 'every event on both monitors');
    // Nothing more is on its way: a later event of the same user arrives behind any repeat.
    const fence = await b.play(user.access_token, 'slot');
    all.push(fence.json.event_id);
    for (const socket of [onA, onB]) await socket.next((m) => m.type === 'game_event' && m.event_id === fence.json.event_id);
    for (const monitor of monitors) await monitor.next((m) => m.type === 'game_event' && m.event_id === fence.json.event_id);

    expect(eventIds(onA)).toEqual(all);
    expect(eventIds(onB)).toEqual(all);
    for (const monitor of monitors) expect(userEvents(monitor, user.user.id)).toEqual(all);
    expect([onA, onB, ...monitors].flatMap((socket) => socket.schemaViolations)).toEqual([]);
  }, 30_000);

  it("announces join at a user's first socket anywhere and leave at the last, the same on every instance", async () => {
    const [a, b] = suite.clients as [Api, Api];
    const monitors = [await monitorOn(0), await monitorOn(1)];
    const [user, fence] = [await a.signup(), await a.signup()];
    const waitFor = async (userId: number, statuses: string[]) => {
      for (const monitor of monitors) await waitUntil(() => presenceOf(monitor, userId).length >= statuses.length, `presence ${statuses.join(',')} of ${userId}`);
    };

    const first = await openUserSocket(urlOf(0), user.access_token);
    await waitFor(user.user.id, ['join']);
    const second = await openUserSocket(urlOf(1), user.access_token);
    // The fence user joins through the same instance after the second socket: once its join
    // is in, the second socket's presence change is decided (one Redis connection, in order).
    const fenceSocket = sockets.track(await openUserSocket(urlOf(1), fence.access_token));
    await waitFor(fence.user.id, ['join']);
    for (const monitor of monitors) expect(presenceOf(monitor, user.user.id)).toEqual(['join']);

    // Both instances name the same users, whichever the sockets are on.
    const snapshots = await Promise.all([0, 1].map((i) => openMonitor(urlOf(i), suite.adminToken)));
    for (const { socket } of snapshots) sockets.track(socket);
    const [onA, onB] = snapshots.map(({ snapshot }) => [...(snapshot.connected_user_ids as number[])].sort((x, y) => x - y));
    expect(onA).toEqual(onB!);
    expect(onA).toEqual(expect.arrayContaining([user.user.id, fence.user.id]));

    first.close();
    await first.closed;
    fenceSocket.close();
    await waitFor(fence.user.id, ['join', 'leave']);
    // The user still has the socket on B: no leave yet, on either instance.
    for (const monitor of monitors) expect(presenceOf(monitor, user.user.id)).toEqual(['join']);
    second.close();
    await waitFor(user.user.id, ['join', 'leave']);
    for (const monitor of monitors) {
      await monitor.settle();
      expect(presenceOf(monitor, user.user.id)).toEqual(['join', 'leave']);
    }
  }, 30_000);

  it('holds the same recent events on both instances, oldest first, and resumes on one for events made on the other', async () => {
    const [a, b] = suite.clients as [Api, Api];
    const users = [await a.signup(), await b.signup()];
    const seen = sockets.track(await openUserSocket(urlOf(1), users[0]!.access_token));
    for (let i = 0; i < 6; i++) {
      for (const user of users) expect((await (i % 2 ? a : b).play(user.access_token, 'rps')).status).toBe(200);
    }
    await waitUntil(() => eventIds(seen).length === 6, 'the first plays on B');
    const lastSeen = eventIds(seen).at(-1)!;
    seen.close();
    // Made on A while the socket is away.
    const missed: string[] = [];
    for (let i = 0; i < 5; i++) missed.push((await a.play(users[0]!.access_token, 'slot')).json.event_id);

    const resumed = sockets.track(await openUserSocket(urlOf(1), users[0]!.access_token, { since: lastSeen }));
    await waitUntil(() => eventIds(resumed).length >= missed.length, 'the missed events on B');
    const live = await a.play(users[0]!.access_token, 'slot');
    await resumed.next((m) => m.type === 'game_event' && m.event_id === live.json.event_id);
    expect(eventIds(resumed)).toEqual([...missed, live.json.event_id]);

    // Every event is in; both instances must now hold the same snapshot, oldest first.
    const snapshots = await Promise.all([0, 1].map((i) => openMonitor(urlOf(i), suite.adminToken)));
    for (const { socket } of snapshots) sockets.track(socket);
    const [fromA, fromB] = snapshots.map(({ snapshot }) => (snapshot.recent_events as { event_id: string; ts: string }[]).map((e) => `${e.ts} ${e.event_id}`));
    expect(fromA!.length).toBeGreaterThanOrEqual(18);
    expect(fromA).toEqual(fromB!);
    const times = fromA!.map((entry) => entry.split(' ')[0]!);
    expect(times).toEqual([...times].sort());
  }, 30_000);
});
