/**
 * The monitor page takes its games from GET /api/games, in headless Chromium against the real
 * server: one checkbox a game of the catalogue (its rule and RTP as the tooltip), a live-totals
 * row a game; a game the server adds shows without a change to the page; and when the list
 * cannot be had, the filter says so with a retry while the page shows every game's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { games } from '../../src/games/catalogue';
import { launchChromium } from '../support/browser';
import { api, type Api } from '../support/client';
import { ADMIN, startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let client: Api;
let browser: Browser;
const consoleErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  client = api(server.url);
  browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await Promise.race([browser?.close(), Bun.sleep(5_000)]);
  await server?.close();
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return page;
}

const inPage = (page: Page, predicate: (arg: any) => boolean, arg: unknown = null) => page.waitForFunction(predicate, arg, { timeout: 10_000, polling: 20 });

async function login(page: Page) {
  await page.goto(`${server.url}/monitor`);
  await page.fill('input[name="username"]', ADMIN.username);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.press('input[name="password"]', 'Enter');
  await inPage(page, () => document.querySelector('#status')!.getAttribute('data-state') === 'live');
}

const checkboxes = (page: Page) =>
  page.$$eval('#game-filter input[name="game"]', (inputs) => inputs.map((input) => ({ game: (input as HTMLInputElement).value, checked: (input as HTMLInputElement).checked, title: input.closest('label')!.title })));
const statsRows = (page: Page) => page.$$eval('#stats tbody tr', (rows) => rows.map((row) => (row as HTMLElement).dataset.game));

describe('the games of the monitor page', () => {
  it('are the catalogue’s, from GET /api/games: a checkbox each with its rule and RTP, and a totals row each', async () => {
    const page = await openPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    await login(page);
    await inPage(page, () => document.querySelector('#game-filter')!.getAttribute('data-state') === 'ready');
    expect(asked).toContain('/api/games');
    expect(await checkboxes(page)).toEqual(games.map((game) => ({ game: game.type, checked: true, title: `${game.rule} RTP ${(game.rtp * 100).toFixed(2)}%.` })));
    await inPage(page, (n) => document.querySelectorAll('#stats tbody tr').length === n, games.length + 1);
    expect(await statsRows(page)).toEqual([...games.map((game) => game.type), 'all']);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('follow the server: a game it adds gets its checkbox and its row with no change to the page', async () => {
    const page = await openPage();
    await page.route('**/api/games', async (route) => {
      const listed = await (await route.fetch()).json();
      const dice = { game_type: 'dice', route: '/api/games/dice/roll', input: { type: 'object' }, rule: 'Roll a die.', rtp: 0.95 };
      await route.fulfill({ json: { games: [...listed.games, dice] } });
    });
    await login(page);
    await inPage(page, () => document.querySelector('#game-filter')!.getAttribute('data-state') === 'ready');
    expect((await checkboxes(page)).map((box) => box.game)).toEqual([...games.map((game) => game.type), 'dice']);
    await inPage(page, () => document.querySelector('#stats tr[data-game="dice"]') !== null);
    await page.close();
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('when the list cannot be had: the filter says so with a retry, and the page shows every game meanwhile', async () => {
    const page = await openPage();
    let isDown = true;
    await page.route('**/api/games', (route) => (isDown ? route.fulfill({ status: 503, json: { error: { code: 'shutting_down', message: 'down' } } }) : route.fallback()));
    await login(page);
    await inPage(page, () => document.querySelector('#game-filter')!.getAttribute('data-state') === 'error');
    expect(await page.textContent('#game-filter .note')).toContain('games unavailable (the server answered 503)');
    expect(await checkboxes(page)).toEqual([]);

    // Not a blank page: a play of any game arrives in the feed and the totals.
    const player = await client.signup('unlisted');
    const played = await client.play(player.access_token, 'crash', { bet: 1, cashout: 2 });
    await inPage(page, (id) => document.querySelector(`#feed li[data-event-id="${id}"]`) !== null, played.json.event_id);
    expect(await statsRows(page)).toEqual(['crash', 'all']);

    isDown = false;
    await page.click('#game-filter button.retry');
    await inPage(page, () => document.querySelector('#game-filter')!.getAttribute('data-state') === 'ready');
    expect((await checkboxes(page)).map((box) => box.game)).toEqual(games.map((game) => game.type));
    await inPage(page, (n) => document.querySelectorAll('#stats tbody tr').length === n, games.length + 1);
    await page.screenshot({ path: `${process.env.MONITOR_SCREENSHOT_DIR ?? '/tmp'}/monitor-game-filter.png` });
    await page.close();
    // The failed fetch is the browser's own console line (a 503 resource); nothing of the page's.
    expect(consoleErrors.filter((line) => !line.includes('503'))).toEqual([]);
  }, 30_000);
});
