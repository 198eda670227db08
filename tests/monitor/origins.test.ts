/**
 * `ALLOWED_ORIGINS` (the documented production setting) lists the game's origins; the server's
 * own /monitor page must still connect. Once, it was refused (403 before the upgrade, 1006 to
 * the browser) and sat on "reconnecting" forever without saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ADMIN, startTestServer, type TestServer } from '../support/server';
import { upgradeStatus } from '../support/socket';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer({ ALLOWED_ORIGINS: 'https://play.example', PUBLIC_URL: 'https://games.example' });
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  // Playwright's close() can hang after a page held a WebSocket.
  await Promise.race([browser?.close(), Bun.sleep(5000)]);
  await server?.close();
});

describe('origins with ALLOWED_ORIGINS set', () => {
  it("lets the server's own /monitor page connect and go live", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}/monitor`);
      await page.fill('input[name="username"]', ADMIN.username);
      await page.fill('input[name="password"]', ADMIN.password);
      await page.press('input[name="password"]', 'Enter');
      await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'live', null, { timeout: 10_000 });
    } finally {
      await page.close();
    }
  }, 30_000);

  it('refuses a foreign origin, allows a listed one, the own host and PUBLIC_URL, and says which over REST', async () => {
    const host = new URL(server.url).host;
    const path = '/api/games/ws/monitor';
    expect((await upgradeStatus(server.url, path, { origin: 'https://evil.example' })).body.error.code).toBe('origin_not_allowed');
    for (const origin of ['https://play.example', `http://${host}`, 'https://games.example']) {
      // Past the origin check, a request with no token is refused for the token: 401, not 403.
      expect((await upgradeStatus(server.url, path, { origin })).status).toBe(401);
    }
    const check = async (origin: string) => (await fetch(`${server.url}/api/games/ws/origin-check`, { method: 'POST', headers: { origin } })).json();
    expect(await check('https://evil.example')).toEqual({ origin: 'https://evil.example', allowed: false });
    expect(await check(`http://${host}`)).toEqual({ origin: `http://${host}`, allowed: true });
  });
});
