/**
 * API.md, `JWT_TTL_SECONDS` ("access-token lifetime", default 900) and the token response's
 * `expires_in`: set to something else, the token response and `ws_ack` tell that lifetime, and
 * the access token is refused (401) once it has passed, a few seconds of clock leeway aside,
 * and a socket left unrefreshed past it is closed with 4001, on either stream. The server's
 * clock is moved by hand.
 */
import { expect, it } from 'bun:test';
import { ManualClock } from '../support/clock';
import { openMonitor, openUserSocket } from '../support/socket';
import { useServer } from '../support/suite';

const TTL_SECONDS = 120;
/** More than any clock leeway the server allows on expiry (a few seconds). */
const PAST_LEEWAY_MS = 60_000;
const clock = new ManualClock();
const suite = useServer({ JWT_TTL_SECONDS: String(TTL_SECONDS) }, { clock });

it('issues access tokens for JWT_TTL_SECONDS, tells so, refuses them after, and closes their sockets with 4001', async () => {
  const user = await suite.client.signup();
  expect(user.expires_in).toBe(TTL_SECONDS);
  const login = await suite.client.post('/api/auth/login', { username: user.user.username, password: user.password });
  expect(login.json.expires_in).toBe(TTL_SECONDS);
  const socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
  // ws_ack tells the whole seconds left on the token: the clock stood still since it was issued.
  const ack = socket.received[0]!;
  expect(ack.type).toBe('ws_ack');
  expect(ack.expires_in).toBeGreaterThanOrEqual(TTL_SECONDS - 1);
  expect(ack.expires_in).toBeLessThanOrEqual(TTL_SECONDS);
  const { socket: monitor } = await openMonitor(suite.server.url, (await suite.client.loginAdmin()).access_token);
  suite.sockets.track(monitor);

  clock.advance(TTL_SECONDS * 1000 - 1000);
  expect((await suite.client.get('/api/auth/me', user.access_token)).status).toBe(200);
  clock.advance(1000 + PAST_LEEWAY_MS);
  const refused = await suite.client.get('/api/auth/me', user.access_token);
  expect(refused.status).toBe(401);
  expect(refused.json.error.code).toEqual(expect.any(String));
  expect((await socket.closed).code).toBe(4001);
  expect((await monitor.closed).code).toBe(4001);
  // A refresh gives a token of the same lifetime that works again.
  const refreshed = await suite.client.post('/api/auth/refresh', { refresh_token: user.refresh_token });
  expect(refreshed.json.expires_in).toBe(TTL_SECONDS);
  expect((await suite.client.get('/api/auth/me', refreshed.json.access_token)).status).toBe(200);
});
