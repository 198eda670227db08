/**
 * Behind a load balancer every request comes from the balancer: the per-address limits
 * (sign-ups and logins, verifications, sockets) read the client from X-Forwarded-For only when
 * the peer is a TRUSTED_PROXIES entry, and then the nearest untrusted hop from the right, so a
 * client cannot pick its own address by sending the header.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import type { Server } from 'bun';
import { addressOf, trustedProxies } from '../src/client-address';
import { ConfigError, loadConfig } from '../src/config';
import { api } from './support/client';
import { startTestServer, TEST_SECRET, type TestServer } from './support/server';

const peer = (address: string): Pick<Server<unknown>, 'requestIP'> => ({ requestIP: () => ({ address, family: 'IPv4', port: 1 }) });
const from = (forwarded?: string) => new Request('http://x/', { headers: forwarded ? { 'x-forwarded-for': forwarded } : {} });

describe('the client address of a request', () => {
  const behind = addressOf(trustedProxies(['10.0.0.0/8', '::1']));

  it('is the peer when no proxy is trusted, whatever the header says', () => {
    expect(addressOf(undefined)(from('1.2.3.4'), peer('10.0.0.5'))).toBe('10.0.0.5');
  });

  it('is the peer when the peer is not a trusted proxy', () => {
    expect(behind(from('1.2.3.4'), peer('192.0.2.7'))).toBe('192.0.2.7');
  });

  it('is the nearest untrusted hop, read from the right, behind trusted proxies', () => {
    expect(behind(from('203.0.113.9'), peer('10.0.0.5'))).toBe('203.0.113.9');
    // The client wrote "6.6.6.6" itself; the proxies appended the real address and one of their own.
    expect(behind(from('6.6.6.6, 203.0.113.9, 10.1.1.1'), peer('10.0.0.5'))).toBe('203.0.113.9');
    expect(behind(from(undefined), peer('10.0.0.5'))).toBe('10.0.0.5');
    expect(behind(from('garbage, 10.1.1.1'), peer('10.0.0.5'))).toBe('10.1.1.1');
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or a range, naming the setting', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/', '::1/129']) {
      expect(() => loadConfig({ JWT_SECRET: TEST_SECRET, TRUSTED_PROXIES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ JWT_SECRET: TEST_SECRET, TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    }
    expect(loadConfig({ JWT_SECRET: TEST_SECRET, TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8,::1' }).TRUSTED_PROXIES).toEqual(['127.0.0.1', '10.0.0.0/8', '::1']);
  });
});

describe('per-address limits behind a proxy', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.stop());

  const login = (client: ReturnType<typeof api>, forwardedFor: string) =>
    client.post('/api/auth/login', { username: 'nobody_here', password: 'wrong-password' }, undefined, { 'x-forwarded-for': forwardedFor });

  it('count each forwarded client on its own when the proxy is trusted', async () => {
    server = await startTestServer({ AUTH_BURST: '2', AUTH_RATE_PER_MINUTE: '1', TRUSTED_PROXIES: '127.0.0.1' });
    const client = api(server.url);
    expect((await login(client, '203.0.113.1')).status).toBe(401);
    expect((await login(client, '203.0.113.1')).status).toBe(401);
    expect((await login(client, '203.0.113.1')).status).toBe(429);
    expect((await login(client, '203.0.113.2')).status).toBe(401);
  });

  it('count everyone as the peer when it is not', async () => {
    server = await startTestServer({ AUTH_BURST: '2', AUTH_RATE_PER_MINUTE: '1' });
    const client = api(server.url);
    expect((await login(client, '203.0.113.1')).status).toBe(401);
    expect((await login(client, '203.0.113.2')).status).toBe(401);
    expect((await login(client, '203.0.113.3')).status).toBe(429);
  });
});
