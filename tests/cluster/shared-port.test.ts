/**
 * Two server processes on ONE port (`REUSE_PORT=true` on both): the kernel spreads new
 * connections between them, so a client opening many connections reaches both, and a watcher
 * connected to either gets every event of plays that landed on either, once, in order.
 * Which process took a connection is read from each one's own log lines.
 */
import { describe, expect, it } from 'bun:test';
import { api } from '../support/client';
import { useCluster } from '../support/cluster';
import { freePort } from '../support/ports';
import { openMonitor, openUserSocket } from '../support/socket';
import { allIds, eventIds, waitUntil } from '../support/streams';

/** A port free now, given to both processes. */
const PORT = freePort();
const suite = useCluster(2, { PORT: String(PORT), REUSE_PORT: 'true', LOG_LEVEL: 'info', WS_MAX_SOCKETS_PER_USER: '64' });
const { sockets } = suite;

/** Each process's log lines with `msg` (and, for requests, a route containing `route`). */
function logged(msg: string, route?: string): number[] {
  return suite.cluster.instances.map(
    (instance) =>
      instance
        .output()
        .split('\n')
        .filter((line) => line.includes(`"msg":"${msg}"`) && (route === undefined || line.includes(route))).length,
  );
}

describe('two instances behind one port', () => {
  it('spreads many connections over both, and a watcher gets every play that landed on either', async () => {
    const [first, second] = suite.cluster.instances;
    expect(new URL(first!.url).port).toBe(String(PORT));
    expect(second!.url).toBe(first!.url);
    const url = first!.url;
    // A fresh connection per request, as many clients would open: no keep-alive reuse.
    const client = api(url, (request) => fetch(request, { keepalive: false }));
    const user = await client.signup();
    const watcher = sockets.track(await openUserSocket(url, user.access_token));
    const monitor = sockets.track((await openMonitor(url, suite.adminToken)).socket);

    for (let i = 0; i < 20; i++) sockets.track(await openUserSocket(url, user.access_token));
    // A log line may reach the pipe just after the socket's ack.
    await waitUntil(() => logged('socket open').reduce((sum, n) => sum + n, 0) >= 22, 'a log line per socket');
    const opened = logged('socket open');
    expect(opened.every((n) => n > 0)).toBe(true);

    const plays = 40;
    for (let i = 0; i < plays; i++) expect((await client.play(user.access_token, i % 2 ? 'rps' : 'slot')).status).toBe(200);
    await waitUntil(() => logged('request', '"method":"POST","route":"/api/games/').reduce((sum, n) => sum + n, 0) >= plays, 'a log line per play');
    const served = logged('request', '"method":"POST","route":"/api/games/');
    expect(served.reduce((sum, n) => sum + n, 0)).toBe(plays);
    expect(served.every((n) => n > 0)).toBe(true);

    await waitUntil(() => eventIds(watcher).length >= plays, 'every play on the watcher');
    await waitUntil(() => monitor.all('game_event').filter((m) => m.user_id === user.user.id).length >= plays, 'every play on the monitor');
    await watcher.settle();
    expect(eventIds(watcher)).toEqual(allIds(user.user.id, plays));
    expect(monitor.all('game_event').filter((m) => m.user_id === user.user.id).map((m) => m.event_id)).toEqual(allIds(user.user.id, plays));
    console.log(`one port: sockets per instance ${opened.join('/')}, plays per instance ${served.join('/')}`);
  }, 30_000);
});
