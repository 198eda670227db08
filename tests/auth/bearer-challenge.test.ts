/**
 * RFC 6750 §3: every 401 names the Bearer scheme in `WWW-Authenticate`, with
 * `error="invalid_token"` when a token was sent; an expired but otherwise valid token answers
 * `token_expired`, so a client refreshes instead of logging in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { api, type Api } from '../support/client';
import { ManualClock } from '../support/clock';
import { startTestServer, type TestServer } from '../support/server';

const clock = new ManualClock();
let server: TestServer;
let client: Api;

beforeAll(async () => {
  server = await startTestServer({ JWT_TTL_SECONDS: '60' }, { clock });
  client = api(server.url);
});
afterAll(() => server?.close());

async function refusal(path: string, headers: Record<string, string>) {
  const response = await fetch(server.url + path, { headers });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), code: (await response.json()).error.code };
}

const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };

describe('401 answers', () => {
  it('name the Bearer scheme without a token, and say invalid_token for a garbage one', async () => {
    for (const path of ['/api/auth/me', '/api/games/history']) {
      expect(await refusal(path, {})).toEqual({ status: 401, challenge: 'Bearer realm="games"', code: 'unauthorized' });
      const garbage = await refusal(path, { authorization: 'Bearer not.a.token' });
      expect(garbage.status).toBe(401);
      expect(garbage.code).toBe('unauthorized');
      expect(garbage.challenge).toContain('error="invalid_token"');
    }
  });

  it('say token_expired for an expired, otherwise valid token, on REST and on the socket upgrade', async () => {
    const user = await client.signup();
    const headers = { authorization: `Bearer ${user.access_token}` };
    expect((await fetch(`${server.url}/api/auth/me`, { headers })).status).toBe(200);
    clock.advance(61_000 + 5_000); // past the lifetime and its 5 s leeway
    try {
      for (const [path, extra] of [['/api/auth/me', {}], ['/api/games/ws', upgrade]] as const) {
        const expired = await refusal(path, { ...headers, ...extra });
        expect(expired.status).toBe(401);
        expect(expired.code).toBe('token_expired');
        expect(expired.challenge).toContain('error="invalid_token"');
      }
      // A token signed with another secret is not "expired", whatever its exp says.
      const [head, , signature] = user.access_token.split('.');
      const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: '1', role: 'admin', exp: 1 })).toString('base64url')}.${signature}`;
      expect((await refusal('/api/auth/me', { authorization: `Bearer ${tampered}` })).code).toBe('unauthorized');
    } finally {
      clock.advance(-66_000);
    }
  });

  it('carry the Bearer challenge on every other 401 too (a refused login, a socket upgrade without a token)', async () => {
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody_here', password: 'wrong-password' }) });
    expect(login.status).toBe(401);
    expect(login.headers.get('www-authenticate')).toStartWith('Bearer');
    const socket = await refusal('/api/games/ws', upgrade);
    expect(socket).toEqual({ status: 401, challenge: 'Bearer realm="games"', code: 'unauthorized' });
  });
});
