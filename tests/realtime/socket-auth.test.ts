/**
 * Who may open a socket and for how long: the token in a header, a `bearer.<token>`
 * subprotocol beside games.v1, or `?token=` unless ALLOW_QUERY_TOKEN=false; the Origin
 * allow-list; and expiry, with an in-band refresh for the same user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { api, type Api } from '../support/client';
import type { TestServer } from '../support/server';
import { openSocket, openUserSocket, upgradeStatus, type TestSocket } from '../support/socket';
import { useServer } from '../support/suite';
import { mintToken } from '../support/tokens';

const ALLOWED = ['https://play.example', 'https://admin.example'];
const suite = useServer({ ALLOWED_ORIGINS: ALLOWED.join(',') });
const headerOnlySuite = useServer({ ALLOW_QUERY_TOKEN: 'false' });
let server: TestServer;
let headerOnly: TestServer;
let client: Api;
let user: Awaited<ReturnType<Api['signup']>>;
let other: Awaited<ReturnType<Api['signup']>>;
let admin: Awaited<ReturnType<Api['loginAdmin']>>;
const track = suite.sockets.track;

beforeAll(async () => {
  ({ server, client } = suite);
  headerOnly = headerOnlySuite.server;
  [user, other, admin] = await Promise.all([client.signup(), client.signup(), client.loginAdmin()]);
});


const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Refusal of an upgrade: its status and error code. */
async function refusal(target: TestServer, path: string, headers: Record<string, string>): Promise<[number, string]> {
  const { status, body } = await upgradeStatus(target.url, path, headers);
  return [status, body?.error?.code];
}

describe('the bearer subprotocol', () => {
  it('opens a socket with bearer.<token> beside games.v1, and answers games.v1', async () => {
    for (const protocols of [['games.v1', `bearer.${user.access_token}`], [`bearer.${user.access_token}`, 'games.v1']]) {
      const socket = track(openSocket(server.url, '/api/games/ws', { protocols }));
      expect(await socket.next('ws_ack')).toMatchObject({ user_id: user.user.id });
      expect(socket.ws.protocol).toBe('games.v1');
    }
  });

  it('opens the monitor for an admin the same way', async () => {
    const socket = track(openSocket(server.url, '/api/games/ws/monitor', { protocols: ['games.v1', `bearer.${admin.access_token}`] }));
    await socket.next('monitor_snapshot');
    expect(socket.ws.protocol).toBe('games.v1');
  });

  it('refuses a bad token in the subprotocol with 401', async () => {
    expect(await refusal(server, '/api/games/ws', { 'sec-websocket-protocol': 'games.v1, bearer.not-a-token' })).toEqual([401, 'unauthorized']);
    const forged = mintToken(user.user, { secret: 'not-the-server-secret-0123456789abcdef' });
    expect(await refusal(server, '/api/games/ws', { 'sec-websocket-protocol': `games.v1, bearer.${forged}` })).toEqual([401, 'unauthorized']);
  });

  it('refuses bearer.<token> offered without games.v1 (the server would have to echo the token back)', async () => {
    const { status, body } = await upgradeStatus(server.url, '/api/games/ws', { 'sec-websocket-protocol': `bearer.${user.access_token}` });
    expect([status, body.error.code]).toEqual([401, 'subprotocol_required']);
    const socket = openSocket(server.url, '/api/games/ws', { protocols: [`bearer.${user.access_token}`] });
    await expect(socket.opened).rejects.toThrow();
    expect(socket.received).toEqual([]);
  });
});

describe('tokens in the URL', () => {
  it('are accepted by default', async () => {
    const socket = track(await openUserSocket(server.url, '', { token: user.access_token }));
    expect(socket.received[0]).toMatchObject({ type: 'ws_ack', user_id: user.user.id });
  });

  it('are refused with ALLOW_QUERY_TOKEN=false, even beside a valid header', async () => {
    const path = `/api/games/ws?token=${user.access_token}`;
    expect(await refusal(headerOnly, path, {})).toEqual([401, 'query_token_refused']);
    expect(await refusal(headerOnly, path, bearer(user.access_token))).toEqual([401, 'query_token_refused']);
    expect(await refusal(headerOnly, '/api/games/ws?token=', {})).toEqual([401, 'query_token_refused']);
  });

  it('leave the header and the subprotocol working with ALLOW_QUERY_TOKEN=false', async () => {
    // Tokens are per secret, not per server: the test servers share one.
    track(await openUserSocket(headerOnly.url, user.access_token));
    const socket = track(openSocket(headerOnly.url, '/api/games/ws', { protocols: ['games.v1', `bearer.${user.access_token}`] }));
    await socket.next('ws_ack');
  });

  it('are never read by REST routes', async () => {
    for (const target of [server, headerOnly]) {
      expect((await api(target.url).get(`/api/auth/me?token=${user.access_token}`)).status).toBe(401);
    }
  });
});

describe('origins', () => {
  it('lets an allowed Origin open a socket, exactly as listed', async () => {
    for (const origin of ALLOWED) {
      const socket = track(openSocket(server.url, '/api/games/ws', { token: user.access_token, headers: { origin } }));
      await socket.next('ws_ack');
    }
  });

  it('lets a client that sends no Origin open a socket (not a browser)', async () => {
    track(await openUserSocket(server.url, user.access_token));
  });

  const refused = ['https://evil.example', 'https://play.example.evil.example', 'https://PLAY.example', 'https://play.example/', 'http://play.example', 'https://play.example:443', 'null', ''];
  for (const origin of refused) {
    it(`refuses Origin ${JSON.stringify(origin)} with 403 before the upgrade, token or not`, async () => {
      for (const path of ['/api/games/ws', '/api/games/ws/monitor']) {
        expect(await refusal(server, path, { origin, ...bearer(admin.access_token) })).toEqual([403, 'origin_not_allowed']);
        expect(await refusal(server, path, { origin })).toEqual([403, 'origin_not_allowed']);
      }
    });
  }

  it('opens no socket for a refused Origin', async () => {
    const socket = openSocket(server.url, '/api/games/ws', { token: user.access_token, headers: { origin: 'https://evil.example' } });
    await expect(socket.opened).rejects.toThrow();
    expect(socket.received).toEqual([]);
  });
});

describe('expiry and in-band refresh', () => {
  // Opened together, two seconds from expiry, so the file waits for one expiry only.
  let expiring: TestSocket;
  let refreshedSocket: TestSocket;
  let foreignRefresh: TestSocket;
  let monitor: TestSocket;

  beforeAll(async () => {
    const soon = { expiresIn: 2 };
    const openExpiring = () => openUserSocket(server.url, mintToken(user.user, soon));
    [expiring, refreshedSocket, foreignRefresh] = await Promise.all([openExpiring(), openExpiring(), openExpiring()]);
    monitor = openSocket(server.url, '/api/games/ws/monitor', { token: mintToken(admin.user, soon) });
    await monitor.next('monitor_snapshot');
  });

  afterAll(() => {
    for (const socket of [expiring, refreshedSocket, foreignRefresh, monitor]) socket.close();
  });

  it('tells the seconds left on the token in ws_ack', async () => {
    expect(expiring.received[0]!.expires_in).toBeGreaterThanOrEqual(1);
    expect(expiring.received[0]!.expires_in).toBeLessThanOrEqual(2);
    const socket = track(await openUserSocket(server.url, mintToken(user.user, { expiresIn: 600 })));
    expect(socket.received[0]!.expires_in).toBeGreaterThanOrEqual(599);
    expect(socket.received[0]!.expires_in).toBeLessThanOrEqual(600);
  });

  it('answers a refresh for the same user with refreshed and the new expires_in', async () => {
    refreshedSocket.send({ type: 'refresh', token: mintToken(user.user, { expiresIn: 600 }) });
    const answer = await refreshedSocket.next('refreshed');
    expect(answer.expires_in).toBeGreaterThanOrEqual(599);
    monitor.send({ type: 'refresh', token: mintToken(admin.user, { expiresIn: 600 }) });
    await monitor.next('refreshed');
  });

  it("refuses a refresh with another user's, an expired, a forged or a missing token (error invalid_token)", async () => {
    const tokens: unknown[] = [
      other.access_token,
      mintToken(user.user, { expiresIn: -60 }),
      mintToken(user.user, { secret: 'not-the-server-secret-0123456789abcdef' }),
      undefined,
      42,
    ];
    for (const token of tokens) {
      foreignRefresh.send({ type: 'refresh', token });
      expect(await foreignRefresh.next((m) => m.type === 'error' || m.type === 'refreshed')).toMatchObject({ type: 'error', code: 'invalid_token' });
    }
    // The monitor is for admins: a token of the same id without the admin role does not keep it.
    monitor.send({ type: 'refresh', token: mintToken({ id: admin.user.id, role: 'user' }, { expiresIn: 600 }) });
    expect(await monitor.next((m) => m.type === 'error' || m.type === 'refreshed')).toMatchObject({ type: 'error', code: 'invalid_token' });
  });

  it('closes a socket with 4001 when its token expires, a refused refresh changing nothing', async () => {
    expect((await expiring.closed).code).toBe(4001);
    expect((await foreignRefresh.closed).code).toBe(4001);
  });

  it('keeps refreshed sockets open past the old expiry', async () => {
    for (const socket of [refreshedSocket, monitor]) {
      expect(socket.ws.readyState).toBe(WebSocket.OPEN);
      await socket.settle();
    }
  });
});
