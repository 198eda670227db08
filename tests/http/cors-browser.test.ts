/**
 * CORS as a real browser enforces it: Chromium loads a page from one origin and calls the REST
 * API on another. A listed origin signs up, logs in, plays and reads Idempotent-Replayed; an
 * unlisted one is stopped by the browser itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { CHROMIUM_ARGS, requireChromium } from '../support/browser';
import { startTestServer, type TestServer } from '../support/server';

/** What the page does, reporting each step into the document for --dump-dom to read. */
const script = (api: string) => `
(async () => {
  const report = {};
  const post = (path, body, headers = {}) => fetch('${api}' + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  try {
    const credentials = { username: 'browser_' + Math.floor(Math.random() * 1e9), password: 'correct-horse-battery' };
    report.signup = (await post('/api/auth/signup', credentials)).status;
    const login = await post('/api/auth/login', credentials);
    report.login = login.status;
    const { access_token } = await login.json();
    const play = () => post('/api/games/slot/spin', { bet: 1 }, { authorization: 'Bearer ' + access_token, 'idempotency-key': 'browser-1' });
    report.play = (await play()).status;
    report.replayed = (await play()).headers.get('idempotent-replayed');
  } catch (error) {
    report.error = String(error);
  }
  document.getElementById('report').textContent = JSON.stringify(report);
})();`;

/** Serves one page calling `api`; its origin is http://127.0.0.1:<its port>. */
function pageServer(api: () => string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => new Response(`<!doctype html><pre id="report">pending</pre><script>${script(api())}</script>`, { headers: { 'content-type': 'text/html' } }),
  });
}

async function runPage(url: string): Promise<Record<string, unknown>> {
  const child = Bun.spawn([requireChromium(), ...CHROMIUM_ARGS, '--disable-gpu', '--virtual-time-budget=15000', '--dump-dom', url], { stdout: 'pipe', stderr: 'ignore' });
  const dom = await new Response(child.stdout).text();
  await child.exited;
  const match = /<pre id="report">(.*?)<\/pre>/s.exec(dom);
  if (!match || match[1] === 'pending') throw new Error(`the page did not finish: ${dom.slice(0, 300)}`);
  return JSON.parse(match[1]!.replaceAll('&quot;', '"'));
}

describe('CORS in Chromium', () => {
  let api: TestServer;
  const listed = pageServer(() => api.url);
  const unlisted = pageServer(() => api.url);

  beforeAll(async () => {
    requireChromium();
    api = await startTestServer({ ALLOWED_ORIGINS: `http://127.0.0.1:${listed.port}` });
  });
  afterAll(async () => {
    listed.stop(true);
    unlisted.stop(true);
    await api?.close();
  });

  it('lets a page on a listed origin sign up, log in, play and read Idempotent-Replayed', async () => {
    expect(await runPage(`http://127.0.0.1:${listed.port}/`)).toEqual({ signup: 201, login: 200, play: 200, replayed: 'true' });
  }, 30_000);

  it('stops a page on an unlisted origin in the browser', async () => {
    const report = await runPage(`http://127.0.0.1:${unlisted.port}/`);
    expect(report.error).toContain('Failed to fetch');
    expect(report.signup).toBeUndefined();
  }, 30_000);
});
