/**
 * How fast sockets may be opened: one user (WS_USER_OPENS_PER_MINUTE, WS_USER_OPEN_BURST) and
 * one client address (WS_ADDRESS_…) each draw on a token bucket; past it the upgrade is
 * refused before any socket opens, 429 rate_limited with Retry-After, as REST's rate limits
 * are. Time is the injected clock: the test moves it instead of sleeping.
 */
import { describe, expect, it } from 'bun:test';
import { ManualClock } from '../support/clock';
import { openUserSocket, upgradeStatus } from '../support/socket';
import { useServer } from '../support/suite';

/** An upgrade of `token` as the handshake would send it, with the Retry-After of a refusal. */
async function upgrade(baseUrl: string, token?: string): Promise<{ status: number; code?: string; retryAfter: string | null }> {
  const response = await fetch(`${baseUrl}/api/games/ws`, {
    headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  if (response.status === 101) return { status: 101, retryAfter: null };
  const body = (await response.json()) as { error: { code: string } };
  return { status: response.status, code: body.error.code, retryAfter: response.headers.get('retry-after') };
}

/** Opens a socket, waits for its ws_ack, and closes it: one open/close cycle. */
async function cycle(baseUrl: string, token: string): Promise<void> {
  const socket = await openUserSocket(baseUrl, token);
  socket.close();
  await socket.closed;
}

describe('the per-user socket open rate (defaults: 60 a minute, a burst of 10)', () => {
  const clock = new ManualClock();
  // The defaults, not the tests' generous ones.
  const suite = useServer({ WS_USER_OPENS_PER_MINUTE: undefined, WS_USER_OPEN_BURST: undefined }, { clock });

  it('lets a user open 10 sockets at once, refuses the 11th with 429 and Retry-After, and one more each second after', async () => {
    const user = await suite.client.signup('churn');
    for (let i = 0; i < 10; i++) await cycle(suite.server.url, user.access_token);
    expect(await upgrade(suite.server.url, user.access_token)).toEqual({ status: 429, code: 'rate_limited', retryAfter: '1' });
    // Another user on the same address is not held back.
    const other = await suite.client.signup('calm');
    await cycle(suite.server.url, other.access_token);

    clock.advance(1_000);
    await cycle(suite.server.url, user.access_token);
    expect((await upgrade(suite.server.url, user.access_token)).status).toBe(429);
    clock.advance(10_000);
    for (let i = 0; i < 10; i++) await cycle(suite.server.url, user.access_token);
    expect((await upgrade(suite.server.url, user.access_token)).status).toBe(429);
  });

  it('turns 300 open/close attempts in a burst into 10 sockets: the rest never open', async () => {
    const user = await suite.client.signup('storm');
    const statuses = await Promise.all(Array.from({ length: 300 }, () => upgrade(suite.server.url, user.access_token).then((outcome) => outcome.status)));
    expect(statuses.filter((status) => status === 429).length).toBe(300 - 10);
    expect(suite.server.app.registry.size).toBeLessThanOrEqual(10);
  });

  it('counts the monitor opens of an admin too', async () => {
    const admin = await suite.client.loginAdmin();
    const monitor = (path: string) =>
      fetch(`${suite.server.url}${path}`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', authorization: `Bearer ${admin.access_token}` } });
    const refused = [];
    for (let i = 0; i < 12; i++) refused.push((await monitor('/api/games/ws/monitor')).status);
    expect(refused.filter((status) => status === 429).length).toBe(2);
  });
});

describe('the per-address socket open rate', () => {
  const clock = new ManualClock();
  const suite = useServer({ WS_ADDRESS_OPENS_PER_MINUTE: '6', WS_ADDRESS_OPEN_BURST: '5' }, { clock });

  it('refuses an address past its burst whatever the users, before looking at the token, until a token comes back', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, (_, i) => suite.client.signup(`host${i}`)));
    for (const user of users) await cycle(suite.server.url, user.access_token);
    const fresh = await suite.client.signup('hostnew');
    expect(await upgrade(suite.server.url, fresh.access_token)).toEqual({ status: 429, code: 'rate_limited', retryAfter: '10' });
    // No token at all: refused for the rate, not verified.
    expect(await upgrade(suite.server.url)).toEqual({ status: 429, code: 'rate_limited', retryAfter: '10' });
    const refused = await upgradeStatus(suite.server.url, '/api/games/ws', { authorization: `Bearer ${fresh.access_token}` });
    expect(refused.body).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('address') } });

    clock.advance(10_000);
    await cycle(suite.server.url, fresh.access_token);
    expect((await upgrade(suite.server.url, fresh.access_token)).status).toBe(429);
  });
});
