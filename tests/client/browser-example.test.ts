/**
 * examples/browser/ in a real browser (Debian's headless Chromium through playwright-core): the
 * page, served from an origin of its own by the example's server next to a real game server,
 * loads the client's browser build, signs up, plays each game, shows every play's game_event
 * and the balance live, and resumes with `since` after a drop (its own, and the server's)
 * without missing or repeating an event.
 */
import { afterAll, beforeAll, expect, it } from 'bun:test';
import type { Server } from 'bun';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { serveExample } from '../../examples/browser/serve';
import { CloseCode } from '../../client/protocol/close-codes';
import { launchChromium } from '../support/browser';
import { api, type Api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

const USERNAME = `web_${process.pid}`;
const PASSWORD = 'correct-horse-battery';
const SCREENSHOT = process.env.EXAMPLE_SCREENSHOT ?? join(tmpdir(), 'browser-example.png');

let example: Server<undefined>;
let server: TestServer;
let rest: Api;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const socketUrls: string[] = [];

beforeAll(async () => {
  example = serveExample({ port: 0 });
  // The page's origin is not the server's: the server must allow it, for REST and sockets.
  server = await startTestServer({ ALLOWED_ORIGINS: example.url.origin });
  rest = api(server.url);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1000, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('websocket', (ws) => socketUrls.push(ws.url()));
}, 30_000);

afterAll(async () => {
  // browser.close() can hang after the page held a WebSocket (NOTES); do not wait for ever.
  await Promise.race([browser?.close(), Bun.sleep(5_000)]);
  await example?.stop(true);
  await server?.close();
});

/** Waits (up to 10 s) until `predicate` holds in the page. */
const inPage = (predicate: (arg: any) => boolean, arg: unknown) => page.waitForFunction(predicate, arg, { timeout: 10_000, polling: 20 });

const shownEventIds = () => page.$$eval('#stream li.game_event', (items) => items.map((item) => (item as HTMLElement).dataset.eventId!).reverse());
const shownBalance = () => page.$eval('#balance', (output) => (output as HTMLOutputElement).value);
const streamText = () => page.$eval('#stream', (list) => list.textContent ?? '');
const isLive = () => inPage(() => document.getElementById('status')?.dataset.state === 'live', undefined);

/** Waits until the stream shows the game_event and the balance_update of `eventId`. */
const streamShows = (eventId: string) =>
  inPage((id) => document.querySelector(`#stream li.game_event[data-event-id="${id}"]`) !== null && document.querySelector(`#stream li.balance_update[data-event-id="${id}"]`) !== null, eventId);

/** The server's view of the player: the balance, and every event id, oldest first. */
async function serverState(): Promise<{ balance: string; eventIds: string[] }> {
  const login = await rest.post('/api/auth/login', { username: USERNAME, password: PASSWORD });
  const token = login.json.access_token;
  const history = await rest.get('/api/games/history?limit=100', token);
  return { balance: (await rest.balance(token)).toFixed(2), eventIds: history.json.events.map((event: { event_id: string }) => event.event_id).reverse() };
}

/** Clicks a play button and waits for the answer to show; returns the line it shows. */
async function play(button: string): Promise<string> {
  const before = await page.textContent('#result');
  await page.click(button);
  await inPage((previous) => {
    const result = document.getElementById('result')!.textContent;
    return result !== previous && result !== '' && !(document.querySelector('[data-game]') as HTMLButtonElement).disabled;
  }, before);
  return (await page.textContent('#result'))!;
}

it('signs up, plays each game, and shows every play on the stream with the balance live', async () => {
  await page.goto(`${example.url.origin}/?server=${encodeURIComponent(server.url)}`);
  await page.fill('input[name=username]', USERNAME);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[value=signup]');
  await isLive();
  expect(await page.textContent('#whoami')).toBe(USERNAME);
  const startingBalance = await shownBalance();
  expect(startingBalance).toBe((await serverState()).balance);

  const results: string[] = [];
  for (const button of ['[data-game=slot]', '[data-game=rps][data-choice=paper]', '[data-game=gacha]', '[data-game=crash]']) {
    results.push(await play(button));
    const { eventIds, balance } = await serverState();
    await streamShows(eventIds.at(-1)!);
    expect(await shownEventIds()).toEqual(eventIds);
    expect(await shownBalance()).toBe(balance);
    // A slot pays 0, 0.5× or at least 5×: never the bet back, so its balance always moves.
    if (button === '[data-game=slot]') expect(balance).not.toBe(startingBalance);
  }
  expect(results[0]).toMatch(/^Slot: \w+ · \w+ · \w+, [\d.]+×, payout \d+\.\d\d$/);
  expect(results[1]).toMatch(/^Rock, paper, scissors: you paper, house (rock|paper|scissors), you (win|draw|lose); payout \d+\.\d\d$/);
  expect(results[2]).toMatch(/^Gacha: (common|rare|epic|legendary) [\w ]+, payout \d+\.\d\d$/);
  expect(results[3]).toMatch(/^Crash: crashed at [\d.]+×, cash-out 2× (won|lost); payout \d+\.\d\d$/);
  expect(await streamText()).toContain('ws_ack: connected');
}, 30_000);

it('drops the connection, plays while offline, and resumes with since: the missed plays arrive, once each', async () => {
  const lastShown = (await shownEventIds()).at(-1)!;
  await page.click('#drop');
  expect(await page.getAttribute('#status', 'data-state')).toBe('offline');
  await play('[data-game=gacha]');
  await play('[data-game=slot]');
  const { eventIds: whileOffline } = await serverState();
  expect(whileOffline).toHaveLength(6);
  // Offline, the stream shows nothing new: the two plays are in the answers only.
  expect((await shownEventIds()).at(-1)).toBe(lastShown);

  const socketsBefore = socketUrls.length;
  await page.click('#resume');
  await isLive();
  // A resume replays game_events (not balance_updates): wait for the events, then the balance.
  await inPage((id) => document.querySelector(`#stream li.game_event[data-event-id="${id}"]`) !== null, whileOffline.at(-1)!);
  const { eventIds, balance } = await serverState();
  expect(await shownEventIds()).toEqual(eventIds);
  await inPage((expected) => (document.getElementById('balance') as HTMLOutputElement).value === expected, balance);
  expect(socketUrls.slice(socketsBefore)).toEqual([`${server.url.replace(/^http/, 'ws')}/api/games/ws?since=${lastShown}`]);
  expect(await streamText()).toContain(`ws_ack: resumed after ${lastShown}`);
}, 30_000);

it('resumes by itself with since when the server drops the socket', async () => {
  const lastShown = (await shownEventIds()).at(-1)!;
  const socketsBefore = socketUrls.length;
  for (const ws of server.app.registry.open) ws.close(CloseCode.TOO_SLOW, 'too slow to keep up');
  await inPage((text) => document.getElementById('stream')!.textContent!.includes(text), `disconnected (${CloseCode.TOO_SLOW} too slow to keep up)`);
  await inPage((text) => document.getElementById('status')?.dataset.state === 'live' && document.getElementById('stream')!.textContent!.includes(text), `ws_ack: resumed after ${lastShown}`);
  expect(socketUrls.slice(socketsBefore)).toEqual([`${server.url.replace(/^http/, 'ws')}/api/games/ws?since=${lastShown}`]);

  await play('[data-game=rps][data-choice=rock]');
  const { eventIds, balance } = await serverState();
  await streamShows(eventIds.at(-1)!);
  expect(await shownEventIds()).toEqual(eventIds);
  expect(await shownBalance()).toBe(balance);
}, 30_000);

it('shows what it did without one error in the console', async () => {
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`browser example screenshot: ${SCREENSHOT}`);
  expect(pageErrors).toEqual([]);
});
