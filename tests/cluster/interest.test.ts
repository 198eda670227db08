/**
 * Routing by interest (issue 20): an instance takes from the broker only the events of users
 * with a socket on it, and every user's only while it holds a monitor; counted by
 * games_broker_messages_received_total. Subscriptions coming and going lose nothing: a socket
 * opened while its user plays elsewhere gets every event after it opened, and a resume is exact.
 */
import { describe, expect, it } from 'bun:test';
import { eventually, useCluster } from '../support/cluster';
import { total } from '../support/prometheus';
import { openMonitor, openUserSocket } from '../support/socket';

const suite = useCluster(2);

/** Broker messages of user topics this instance took (games_broker_messages_received_total{kind="user"}). */
const received = async (url: string) => ({ user: await total(url, 'games_broker_messages_received_total', { kind: 'user' }) });

describe('an instance takes only what its sockets need', () => {
  it('the plays of users with a socket here, every play only while a monitor is here', async () => {
    const { cluster, clients, adminToken, sockets } = suite;
    const [here, there] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const [viaHere, viaThere] = clients as [(typeof clients)[0], (typeof clients)[0]];
    const mine = await viaHere.signup('mine');
    const stranger = await viaHere.signup('stranger');
    const socket = await openUserSocket(here.url, mine.access_token);
    sockets.track(socket);

    const before = await received(here.url);
    // Plays made on the other instance: only `mine`'s come here.
    for (let n = 0; n < 5; n++) {
      expect((await viaThere.play(mine.access_token, 'slot', { bet: 1 })).status).toBe(200);
      expect((await viaThere.play(stranger.access_token, 'slot', { bet: 1 })).status).toBe(200);
    }
    await eventually(async () => socket.all('game_event').length, (count) => count === 5, "mine's events here");
    await Bun.sleep(100); // anything else on its way would be here by now
    const after = await received(here.url);
    expect(after.user - before.user).toBe(5);

    // A monitor here: from now on every play comes here, the stranger's too.
    const { socket: monitor } = await openMonitor(here.url, adminToken);
    sockets.track(monitor);
    const withMonitor = await received(here.url);
    for (let n = 0; n < 3; n++) expect((await viaThere.play(stranger.access_token, 'rps', { bet: 1, choice: 'rock' })).status).toBe(200);
    await eventually(async () => monitor.all('game_event').filter((m) => m.user_id === stranger.user.id).length, (count) => count === 3, "the stranger's plays at the monitor");
    expect((await received(here.url)).user - withMonitor.user).toBe(3);

    // The monitor gone: the stranger's plays stop coming.
    monitor.ws.close();
    await monitor.closed;
    await Bun.sleep(100);
    const monitorGone = await received(here.url);
    for (let n = 0; n < 3; n++) expect((await viaThere.play(stranger.access_token, 'rps', { bet: 1, choice: 'paper' })).status).toBe(200);
    expect((await viaThere.play(mine.access_token, 'slot', { bet: 1 })).status).toBe(200);
    await eventually(async () => socket.all('game_event').length, (count) => count === 6, "mine's sixth event");
    await Bun.sleep(100);
    expect((await received(here.url)).user - monitorGone.user).toBe(1);

    // And the other instance, which holds no socket of anyone's, took none of these plays.
    expect((await received(there.url)).user).toBe(0);
  }, 40_000);

  it('a socket opened while its user plays elsewhere gets every event after it opened, none missed or repeated', async () => {
    const { cluster, clients, sockets } = suite;
    const [here] = cluster.instances;
    const player = await clients[0]!.signup('busy');
    let playing = true;
    const answers: string[] = [];
    let started = 0;
    const plays = (async () => {
      while (playing) {
        started++;
        const response = await clients[1]!.play(player.access_token, 'slot', { bet: 1 });
        if (response.status === 200) answers.push(response.json.event_id);
      }
    })();
    await eventually(async () => answers.length, (count) => count >= 10, 'plays under way');
    const playedBefore = answers.length;
    // Opened and closed several times while the plays go on: each time the topic is taken anew.
    for (let round = 0; round < 3; round++) {
      const fresh = await openUserSocket(here!.url, player.access_token);
      // Plays go one at a time: the one in flight now may have committed before the socket was
      // here; every play sent after this moment is owed to it.
      const startedAtOpen = started;
      sockets.track(fresh);
      const resumed = await openUserSocket(here!.url, player.access_token, { since: `${player.user.id}-${playedBefore}` });
      sockets.track(resumed);
      const target = answers.length + 10;
      await eventually(async () => answers.length, (count) => count >= target, 'ten more plays');
      const last = answers.at(-1)!;
      await eventually(async () => fresh.all('game_event').some((m) => m.event_id === last) && resumed.all('game_event').some((m) => m.event_id === last), Boolean, 'the latest play at both sockets');
      const seqs = (ids: string[]) => ids.map((id) => Number(id.split('-')[1]));
      const freshSeqs = seqs(fresh.all('game_event').map((m) => m.event_id));
      // Contiguous from its first event to the latest: nothing published meanwhile was lost.
      expect(freshSeqs).toEqual(Array.from({ length: freshSeqs.length }, (_, i) => freshSeqs[0]! + i));
      // ...and it starts no later than the first play sent after the socket opened.
      expect(freshSeqs[0]).toBeLessThanOrEqual(startedAtOpen + 1);
      const resumedSeqs = seqs(resumed.all('game_event').map((m) => m.event_id));
      expect(resumedSeqs[0]).toBe(playedBefore + 1);
      expect(resumedSeqs).toEqual(Array.from({ length: resumedSeqs.length }, (_, i) => playedBefore + 1 + i));
      fresh.ws.close();
      resumed.ws.close();
      await Promise.all([fresh.closed, resumed.closed]);
    }
    playing = false;
    await plays;
  }, 60_000);

  it('a monitor opened again does not show a user who left while no monitor was here', async () => {
    const { cluster, clients, adminToken, sockets } = suite;
    const [here, there] = cluster.instances;
    const user = await clients[0]!.signup('leaver');
    const first = await openMonitor(here!.url, adminToken);
    const socket = await openUserSocket(there!.url, user.access_token);
    await first.socket.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'join');
    first.socket.ws.close();
    await first.socket.closed;
    // The user leaves while this instance holds no monitor, so it hears nothing of it.
    socket.ws.close();
    await socket.closed;
    const watcher = await openMonitor(there!.url, adminToken);
    sockets.track(watcher.socket);
    await eventually(async () => watcher.socket.all('presence').some((m) => m.user_id === user.user.id && m.status === 'leave') || !watcher.snapshot.connected_user_ids.includes(user.user.id), Boolean, 'the leave to be decided');
    const again = await openMonitor(here!.url, adminToken);
    sockets.track(again.socket);
    expect(again.snapshot.connected_user_ids).not.toContain(user.user.id);
  }, 30_000);
});
