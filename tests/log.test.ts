/**
 * Tokens never appear in logs: a server logging at debug sees tokens in URLs, headers, bodies
 * and socket messages, accepted and refused, and prints none of them.
 */
import { describe, expect, it } from 'bun:test';
import { createLogger, redactUrl, throttledWarnings } from '../src/log';
import { ManualClock } from './support/clock';
import { api } from './support/client';
import { capturePrinted } from './support/printed';
import { startTestServer, TEST_SECRET } from './support/server';
import { openSocket, openUserSocket, upgradeStatus } from './support/socket';
import { mintToken } from './support/tokens';

describe('redactUrl', () => {
  it('keeps the path and drops the query, which may hold a token', () => {
    expect(redactUrl('http://127.0.0.1:8000/api/games/ws?token=abc&since=7-1')).toBe('/api/games/ws?<redacted>');
    expect(redactUrl('ws://example.com/api/games/ws/monitor?token=abc')).toBe('/api/games/ws/monitor?<redacted>');
    expect(redactUrl('/api/auth/me?token=abc')).toBe('/api/auth/me?<redacted>');
    expect(redactUrl('http://example.com/health')).toBe('/health');
    expect(redactUrl('http://user:pass@example.com/x?token=abc')).toBe('/x?<redacted>');
  });
});

describe('the logger', () => {
  it('prints a JWT that reached a field as <token>', async () => {
    const token = mintToken({ id: 1 });
    const printed = await capturePrinted(async () => {
      createLogger('debug').error('oops', { detail: `while checking ${token}` });
    });
    expect(printed).toContain('<token>');
    expect(printed).not.toContain(token);
  });
});

describe('a server logging at debug', () => {
  it('prints no token, refresh token, password or secret, whatever the requests carry', async () => {
    const opaque = 'opaque-query-secret-0123456789';
    const secrets: string[] = [opaque, TEST_SECRET];
    const printed = await capturePrinted(async () => {
      const server = await startTestServer({ LOG_LEVEL: 'debug' });
      try {
        const client = api(server.url);
        const user = await client.signup();
        const forged = mintToken(user.user, { secret: 'not-the-server-secret-0123456789abcdef' });
        const expired = mintToken(user.user, { expiresIn: -600 });
        secrets.push(user.access_token, user.refresh_token, user.password, forged, expired);

        // Sockets: accepted and refused, token in the query, the header and the subprotocol.
        const byQuery = openSocket(server.url, '/api/games/ws', { query: { token: user.access_token } });
        await byQuery.next('ws_ack');
        byQuery.send({ type: 'refresh', token: user.access_token });
        await byQuery.next('refreshed');
        byQuery.send({ type: 'refresh', token: forged });
        await byQuery.next('error');
        byQuery.close();
        const bySubprotocol = openSocket(server.url, '/api/games/ws', { protocols: ['games.v1', `bearer.${user.access_token}`] });
        await bySubprotocol.next('ws_ack');
        bySubprotocol.close();
        for (const token of [forged, expired, opaque]) {
          expect((await upgradeStatus(server.url, `/api/games/ws?token=${token}`)).status).toBe(401);
          expect((await upgradeStatus(server.url, '/api/games/ws/monitor', { authorization: `Bearer ${token}` })).status).toBe(401);
          expect((await upgradeStatus(server.url, '/api/games/ws', { 'sec-websocket-protocol': `bearer.${token}` })).status).toBe(401);
        }
        (await openUserSocket(server.url, user.access_token, { since: 'not-an-id' })).close();

        // REST: tokens where REST never reads them, refused tokens, bad bodies, oversize bodies.
        expect((await client.get(`/api/auth/me?token=${user.access_token}`)).status).toBe(401);
        expect((await client.get(`/api/nowhere?token=${opaque}`)).status).toBe(404);
        expect((await client.get('/api/auth/me', forged)).status).toBe(401);
        expect((await client.play(expired, 'slot')).status).toBe(401);
        expect((await client.request('POST', `/api/games/slot/spin?token=${opaque}`, { body: `{"bet":NaN,"t":"${user.access_token}"}`, token: user.access_token })).status).toBe(400);
        expect((await client.request('POST', `/api/games/slot/spin?token=${opaque}`, { body: 'x'.repeat(20_000), token: user.access_token })).status).toBe(413);
        expect((await client.post('/api/auth/login', { username: user.user.username, password: `${user.password}-wrong` })).status).toBe(401);
        expect((await client.post('/api/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(200);
        expect((await client.post('/api/auth/refresh', { refresh_token: user.refresh_token })).status).toBe(401);
        expect((await client.post('/api/auth/logout', { refresh_token: user.refresh_token })).status).toBe(204);
      } finally {
        await server.close();
      }
    });

    // It did log: each request by its route pattern, an unmatched one by its path with the query redacted.
    expect(printed).toContain('"msg":"request"');
    expect(printed).toContain('"route":"/api/games/ws"');
    expect(printed).toContain('/api/nowhere?<redacted>');
    expect(printed).toContain('"status":413');
    expect(printed).toContain('"status":101');
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});

describe('throttled warnings', () => {
  it('writes a repeated message once per interval, saying how many it held back', () => {
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
    const clock = new ManualClock();
    const warnings = throttledWarnings({ debug: record, info: record, warn: record, error: record, announce: record }, clock, 10_000);
    for (let i = 0; i < 50; i++) warnings.warn('hub: publish failed', { error: 'down' });
    warnings.warn('hub: catch_up failed');
    clock.advance(10_000);
    warnings.warn('hub: publish failed', { error: 'down' });
    expect(lines).toEqual([
      { message: 'hub: publish failed', fields: { error: 'down' } },
      { message: 'hub: catch_up failed', fields: undefined },
      { message: 'hub: publish failed', fields: { error: 'down', repeats_held_back: 49 } },
    ]);
  });
});
