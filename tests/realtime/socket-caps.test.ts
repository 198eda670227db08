/**
 * One token or one address cannot hold sockets without bound: past WS_MAX_SOCKETS_PER_USER or
 * WS_MAX_SOCKETS_PER_ADDRESS the upgrade is refused with 429 and a JSON error, and a closed
 * socket gives its place back. The message budget is the user's, not each socket's.
 */
import { describe, expect, it } from 'bun:test';
import { openUserSocket, upgradeStatus } from '../support/socket';
import { waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

const PER_USER = 3;
const suite = useServer({ WS_MAX_SOCKETS_PER_USER: String(PER_USER), WS_MAX_SOCKETS_PER_ADDRESS: '8', WS_MESSAGE_BURST: '5', WS_MESSAGE_RATE_PER_SECOND: '1' });

describe('socket caps', () => {
  it('refuses a user socket past the per-user cap with 429, and takes one again after a close', async () => {
    const user = await suite.client.signup('capped');
    const sockets = await Promise.all(Array.from({ length: PER_USER }, () => openUserSocket(suite.server.url, user.access_token)));
    sockets.forEach((socket) => suite.sockets.track(socket));
    const refused = await upgradeStatus(suite.server.url, '/api/games/ws', { authorization: `Bearer ${user.access_token}` });
    expect(refused).toEqual({ status: 429, body: { error: { code: 'too_many_sockets', message: expect.any(String) } } });
    // Another user is not affected.
    const other = await suite.client.signup('uncapped');
    suite.sockets.track(await openUserSocket(suite.server.url, other.access_token));

    sockets[0]!.close();
    await sockets[0]!.closed;
    await waitUntil(() => suite.server.app.registry.size === PER_USER, 'the closed socket to leave the registry');
    suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
  });

  it('refuses sockets past the per-address cap, open and being opened, whatever the users', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => suite.client.signup('address')));
    const opened = [];
    for (let i = 0; i < 8; i++) opened.push(suite.sockets.track(await openUserSocket(suite.server.url, users[i % 3]!.access_token)));
    const refused = await upgradeStatus(suite.server.url, '/api/games/ws', { authorization: `Bearer ${users[0]!.access_token}` });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('too_many_sockets');
    // An upgrade refused for its token does not keep a place either.
    expect((await upgradeStatus(suite.server.url, '/api/games/ws')).status).toBe(429);
    for (const socket of opened) socket.close();
    await Promise.all(opened.map((socket) => socket.closed));
    await waitUntil(() => suite.server.app.registry.size === 0, 'every socket to close');
    expect((await upgradeStatus(suite.server.url, '/api/games/ws')).status).toBe(401);
  });

  it('shares one message budget among all sockets of a user', async () => {
    const user = await suite.client.signup('budget');
    const [a, b] = await Promise.all([openUserSocket(suite.server.url, user.access_token), openUserSocket(suite.server.url, user.access_token)]);
    suite.sockets.track(a);
    suite.sockets.track(b);
    for (let i = 0; i < 3; i++) a.send({ type: 'ping' });
    await a.waitFor('pong', 3);
    // Two more are the burst's last; the one after them closes whichever socket sent it.
    for (let i = 0; i < 3; i++) b.send({ type: 'ping' });
    expect(await b.closed).toEqual({ code: 1008, reason: 'message budget exceeded' });
    expect(b.all('pong').length).toBe(2);
  });
});
