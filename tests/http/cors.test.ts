/** A browser page on a listed origin may use the REST API; one on any other origin may not. */
import { describe, expect, it } from 'bun:test';
import { api } from '../support/client';
import { startTestServer } from '../support/server';
import { useServer } from '../support/suite';

const LISTED = 'https://play.example';
const UNLISTED = 'https://evil.example';
const suite = useServer({ ALLOWED_ORIGINS: `${LISTED},https://other.example` });

const preflight = (url: string, origin: string, method = 'POST') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  });

describe('CORS', () => {
  it('answers a preflight from a listed origin with the headers a play needs', async () => {
    const response = await preflight(`${suite.server.url}/api/games/slot/spin`, LISTED);
    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
    const allowedHeaders = response.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'content-type', 'idempotency-key']) expect(allowedHeaders).toContain(header);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('gives a preflight from an unlisted origin no allow-origin', async () => {
    for (const origin of [UNLISTED, 'play.example', '__proto__', 'null']) {
      const response = await preflight(`${suite.server.url}/api/auth/signup`, origin);
      expect({ origin, allowOrigin: response.headers.get('access-control-allow-origin') }).toEqual({ origin, allowOrigin: null });
    }
  });

  it('lets a listed origin sign up, log in and play, reading Idempotent-Replayed', async () => {
    const headers = { origin: LISTED, 'content-type': 'application/json' };
    const credentials = { username: `cors_${process.pid}`, password: 'correct-horse-battery' };
    const signup = await fetch(`${suite.server.url}/api/auth/signup`, { method: 'POST', headers, body: JSON.stringify(credentials) });
    expect(signup.status).toBe(201);
    expect(signup.headers.get('access-control-allow-origin')).toBe(LISTED);
    const login = await fetch(`${suite.server.url}/api/auth/login`, { method: 'POST', headers, body: JSON.stringify(credentials) });
    const { access_token } = (await login.json()) as { access_token: string };
    const play = () =>
      fetch(`${suite.server.url}/api/games/slot/spin`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${access_token}`, 'idempotency-key': 'cors-1' },
        body: JSON.stringify({ bet: 1 }),
      });
    expect((await play()).status).toBe(200);
    const replay = await play();
    expect(replay.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('access-control-expose-headers')!.toLowerCase()).toContain('idempotent-replayed');
  });

  it('lets a listed origin read an error', async () => {
    const response = await fetch(`${suite.server.url}/api/auth/me`, { headers: { origin: LISTED } });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe(LISTED);
  });

  it('allows no cross-origin REST when ALLOWED_ORIGINS is unset', async () => {
    const server = await startTestServer();
    try {
      const response = await preflight(`${server.url}/api/auth/signup`, LISTED);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const signup = await api(server.url).request('POST', '/api/auth/signup', { body: { username: 'nocors', password: 'correct-horse-battery' }, headers: { origin: LISTED } });
      expect(signup.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await server.close();
    }
  });
});
