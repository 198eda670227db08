/**
 * Presence (API.md): monitors get `join` when a user's first socket opens and `leave` when the
 * last one closes, and nothing for the sockets in between. Each check plays a probe first:
 * the monitor gets messages in order, so once the probe's event is in, any presence sent
 * before it is in too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { RawWebSocket } from '../support/raw-socket';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { probe } from '../support/streams';
import { useServer } from '../support/suite';

const suite = useServer();
const { sockets } = suite;
let monitor: TestSocket;
let adminId: number;

beforeAll(async () => {
  const admin = await suite.client.loginAdmin();
  adminId = admin.user.id;
  monitor = (await openMonitor(suite.server.url, admin.access_token)).socket;
});
afterAll(() => monitor.close());

/** The presence statuses the monitor has had for `userId`, once a probe of `token` is in. */
async function presenceOf(userId: number, token: string): Promise<string[]> {
  await probe(suite.client, token, monitor);
  return monitor.all('presence').filter((m) => m.user_id === userId).map((m) => m.status as string);
}

const closeAndWait = async (socket: TestSocket) => {
  socket.close();
  await socket.closed;
};

describe('presence', () => {
  it("announces a user's first socket and last close once each, with two sockets open", async () => {
    const user = await suite.client.signup();
    const id = user.user.id;
    const token = user.access_token;

    const first = sockets.track(await openUserSocket(suite.server.url, token));
    expect(await presenceOf(id, token)).toEqual(['join']);
    const second = sockets.track(await openUserSocket(suite.server.url, token));
    expect(await presenceOf(id, token)).toEqual(['join']);

    await closeAndWait(first);
    expect(await presenceOf(id, token)).toEqual(['join']);
    await closeAndWait(second);
    expect(await presenceOf(id, token)).toEqual(['join', 'leave']);

    // A new first socket is a new join.
    sockets.track(await openUserSocket(suite.server.url, token));
    expect(await presenceOf(id, token)).toEqual(['join', 'leave', 'join']);
    expect(monitor.schemaViolations).toEqual([]);
  });

  it('counts out a socket that vanished without a close frame', async () => {
    const user = await suite.client.signup();
    const kept = sockets.track(await openUserSocket(suite.server.url, user.access_token));
    const dropped = sockets.track(await RawWebSocket.open(suite.server.url, '/api/games/ws', { token: user.access_token }));
    dropped.close();
    await dropped.ended;
    // The other socket keeps the user present…
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join']);
    // …until it goes too.
    await closeAndWait(kept);
    await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'leave');
    expect(await presenceOf(user.user.id, user.access_token)).toEqual(['join', 'leave']);
  });

  it('lists connected users in the snapshot while they are connected, and not after', async () => {
    const user = await suite.client.signup();
    const admin = await suite.client.loginAdmin();
    const socket = sockets.track(await openUserSocket(suite.server.url, user.access_token));
    const during = sockets.track((await openMonitor(suite.server.url, admin.access_token)).socket);
    expect(during.received[0]!.connected_user_ids).toContain(user.user.id);

    await closeAndWait(socket);
    await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id && m.status === 'leave');
    const after = sockets.track((await openMonitor(suite.server.url, admin.access_token)).socket);
    expect(after.received[0]!.connected_user_ids).not.toContain(user.user.id);
  });

  it('does not count monitors as present', async () => {
    const admin = await suite.client.loginAdmin();
    sockets.track((await openMonitor(suite.server.url, admin.access_token)).socket);
    expect(await presenceOf(adminId, admin.access_token)).toEqual([]);
  });
});
