/** The monitor page's files as served: the listed assets only, each with its type and the page's security headers. */
import { afterAll, beforeAll, expect, it } from 'bun:test';
import { CONTENT_SECURITY_POLICY } from '../../src/monitor';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string) => fetch(`${server.url}${path}`);

it('serves the page and each asset with its content type, the CSP and nosniff, revalidated on every load', async () => {
  const expected: [string, string][] = [
    ['/monitor', 'text/html; charset=utf-8'],
    ['/monitor/assets/main.js', 'text/javascript; charset=utf-8'],
    ['/monitor/assets/stream.js', 'text/javascript; charset=utf-8'],
    ['/monitor/assets/monitor.css', 'text/css; charset=utf-8'],
    ['/monitor/assets/favicon.svg', 'image/svg+xml'],
  ];
  for (const [path, type] of expected) {
    const response = await get(path);
    expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 200, type]);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect((await response.text()).length).toBeGreaterThan(0);
  }
});

it('answers 404 for any name that is not a listed asset, so no path from a URL reaches the disk', async () => {
  for (const name of ['monitor.html', 'index.ts', 'nope.js', '..%2Findex.ts', '..%2F..%2Fpackage.json', '%2Fetc%2Fpasswd']) {
    const response = await get(`/monitor/assets/${name}`);
    expect([name, response.status]).toEqual([name, 404]);
    expect((await response.json()).error.code).toBe('not_found');
  }
});
