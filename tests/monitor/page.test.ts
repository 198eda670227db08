/**
 * The monitor page in a real browser (Debian's headless Chromium through playwright-core)
 * against the real server: log in through the form, watch two players' plays arrive by name
 * with the counters moving, presence, filters, a server-side close and the reconnect after it,
 * and the token renewed in-band past its lifetime, all without one console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../src/monitor';
import { messages } from '../../src/realtime/events';
import { MONITOR_TOPIC } from '../../src/realtime/hub';
import { launchChromium } from '../support/browser';
import { api, GAME_NAMES, type Api } from '../support/client';
import { ManualClock } from '../support/clock';
import { ADMIN, startTestServer, type TestServer } from '../support/server';
import { openUserSocket, type TestSocket } from '../support/socket';

/** The shortest lifetime the configuration allows: the test outlives it to see the renewal. */
const TOKEN_TTL_SECONDS = 10;
/** The server's time: the test moves it (and the page's) past the token's lifetime instead of waiting. */
const serverClock = new ManualClock();

type SocketLog = { url: string; sent: any[]; received: any[]; isClosed: boolean };
type Play = { user_id: number; game_type: string; bet: number; payout: number; event_id: string };

let server: TestServer;
let client: Api;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const sockets: SocketLog[] = [];
const playerSockets: TestSocket[] = [];
let renewals = 0;

beforeAll(async () => {
  server = await startTestServer({ JWT_TTL_SECONDS: String(TOKEN_TTL_SECONDS) }, { clock: serverClock });
  client = api(server.url);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // The page's timers run in real time, but the test can jump them ahead (fastForward).
  await page.clock.install();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/refresh') renewals += 1;
  });
  page.on('websocket', (ws) => {
    const log: SocketLog = { url: ws.url(), sent: [], received: [], isClosed: false };
    sockets.push(log);
    ws.on('framesent', (frame) => log.sent.push(JSON.parse(String(frame.payload))));
    ws.on('framereceived', (frame) => log.received.push(JSON.parse(String(frame.payload))));
    ws.on('close', () => {
      log.isClosed = true;
    });
  });
}, 30_000);

afterAll(async () => {
  for (const socket of playerSockets) socket.close();
  await browser?.close();
  await server?.close();
});

/** Waits (up to 10 s) until `predicate` holds in the page. */
const inPage = (predicate: (arg: any) => boolean, arg: unknown) => page.waitForFunction(predicate, arg, { timeout: 10_000, polling: 20 });

const feedRows = () =>
  page.$$eval('#feed li', (rows) => rows.map((row) => ({ id: (row as HTMLElement).dataset.eventId!, user: row.querySelector('.user')!.textContent!, game: (row as HTMLElement).dataset.game! })));

/** Waits until the feed shows exactly these plays, newest first. */
const feedShows = (shown: Play[]) =>
  inPage(
    (ids: string[]) => JSON.stringify(Array.from(document.querySelectorAll('#feed li')).map((li) => (li as HTMLElement).dataset.eventId)) === JSON.stringify(ids),
    [...shown].reverse().map((p) => p.event_id),
  );

const stat = (game: string, name: string) => page.textContent(`#stats tr[data-game="${game}"] td[data-stat="${name}"]`);

async function login(username: string, password: string) {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.press('input[name="password"]', 'Enter');
}

async function play(token: string, game: 'slot' | 'rps' | 'gacha' | 'crash', body: Record<string, unknown>): Promise<Play> {
  const response = await client.play(token, game, body);
  expect(response.status).toBe(200);
  const { event_id, game_type, bet, result } = response.json;
  return { event_id, game_type, bet, payout: result.payout, user_id: Number(event_id.split('-')[0]) };
}

const cents = (n: number) => Math.round(n * 100);
const money = (c: number) => (c / 100).toFixed(2);

// The tests share one browser page and run in order: the second starts logged in by the first.
describe('the monitor page', () => {
  it('shows live plays by username, presence, counters and filters, and survives a reconnect and its token expiry', async () => {
    const response = await page.goto(`${server.url}/monitor`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(await page.locator('script:not([src])').count()).toBe(0);

    const alice = await client.signup('alice');
    const bob = await client.signup('bob');

    // A player is told the page is not for them, and no socket opens.
    await login(alice.user.username, alice.password);
    await inPage((name) => document.querySelector('#login-message')!.textContent!.includes(`${name} is not an admin`), alice.user.username);
    expect(sockets).toHaveLength(0);
    expect(await page.isVisible('#monitor-view')).toBe(false);

    await login(ADMIN.username, ADMIN.password);
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live', null);
    expect(sockets).toHaveLength(1);
    expect([await page.isVisible('#login-view'), await page.isVisible('#monitor-view')]).toEqual([false, true]);
    expect(new URL(sockets[0]!.url).pathname).toBe('/api/games/ws/monitor');
    expect(sockets[0]!.url).not.toMatch(/token|bearer|eyJ/);

    // Presence: alice opens a socket and is listed by name.
    playerSockets.push(await openUserSocket(server.url, alice.access_token));
    await inPage((name) => Array.from(document.querySelectorAll('#connected li')).some((li) => li.textContent === name), alice.user.username);

    const plays: Play[] = [];
    for (let i = 0; i < 3; i++) plays.push(await play(alice.access_token, 'slot', { bet: 1 }));
    for (let i = 0; i < 2; i++) plays.push(await play(bob.access_token, 'rps', { bet: 2, choice: 'paper' }));
    plays.push(await play(bob.access_token, 'crash', { bet: 5, cashout: 1.5 }));
    const nameOf = (p: Play) => (p.user_id === alice.user.id ? alice.user.username : bob.user.username);

    // Every play appears once, newest first, with its player's name.
    await inPage((count) => document.querySelectorAll('#feed li').length === count && !Array.from(document.querySelectorAll('#feed .user')).some((u) => u.textContent!.startsWith('user #')), plays.length);
    expect(await feedRows()).toEqual([...plays].reverse().map((p) => ({ id: p.event_id, user: nameOf(p), game: p.game_type })));

    // The counters are exactly the sums of what the server answered.
    for (const game of ['slot', 'rps', 'crash']) {
      const ofGame = plays.filter((p) => p.game_type === game);
      const bet = ofGame.reduce((sum, p) => sum + cents(p.bet), 0);
      const payout = ofGame.reduce((sum, p) => sum + cents(p.payout), 0);
      expect([await stat(game, 'plays'), await stat(game, 'bet'), await stat(game, 'payout'), await stat(game, 'ggr'), await stat(game, 'rtp')]).toEqual([
        String(ofGame.length),
        money(bet),
        money(payout),
        money(bet - payout),
        `${((payout / bet) * 100).toFixed(2)}%`,
      ]);
    }
    expect(await stat('gacha', 'plays')).toBe('0');
    expect(await stat('all', 'plays')).toBe(String(plays.length));
    expect(await page.getAttribute('#rate', 'data-plays')).toBe(String(plays.length));

    // Filters narrow the feed in the page and are sent to the server as `subscribe`.
    // Every game but slot, from the server's list (the page's checkboxes come from GET /api/games).
    const others = GAME_NAMES.filter((game) => game !== 'slot');
    for (const game of others) await page.uncheck(`input[name="game"][value="${game}"]`);
    await feedShows(plays.filter((p) => p.game_type === 'slot'));
    await inPage(() => document.querySelector('#stats tr[data-game="all"] td[data-stat="plays"]')!.textContent === '3', null);
    await waitFor(() => sockets[0]!.sent.some((m) => m.type === 'subscribe' && JSON.stringify(m.games) === '["slot"]'), 'a subscribe for slot');
    for (const game of others) await page.check(`input[name="game"][value="${game}"]`);

    await page.selectOption('select[name="user"]', String(bob.user.id));
    await feedShows(plays.filter((p) => p.user_id === bob.user.id));
    expect(new Set((await feedRows()).map((row) => row.user))).toEqual(new Set([bob.user.username]));
    await page.fill('input[name="min_bet"]', '5');
    await feedShows(plays.filter((p) => p.user_id === bob.user.id && p.bet >= 5));
    await page.selectOption('select[name="user"]', '');
    await page.fill('input[name="min_bet"]', '');
    const winners = plays.filter((p) => p.payout / p.bet >= 1.5);
    await page.fill('input[name="min_multiplier"]', '1.5');
    await feedShows(winners);
    await page.fill('input[name="min_multiplier"]', '');
    await page.fill('input[name="min_bet"]', '0.01');
    await feedShows(plays);
    await waitFor(() => sockets[0]!.sent.some((m) => m.type === 'subscribe' && m.min_bet === 0.01 && m.user_id === undefined), 'a subscribe with min_bet');

    // The server closes the monitor; a play lands while the page is away. The page says so,
    // reconnects by itself, and the snapshot's events merge without a duplicate.
    const monitors = [...server.app.registry.open].filter((ws) => ws.data.session.kind === 'monitor');
    expect(monitors).toHaveLength(1);
    monitors[0]!.close(4002, 'too slow to keep up');
    plays.push(await play(alice.access_token, 'gacha', { bet: 1 }));
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'reconnecting', null);
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live', null);
    expect(sockets).toHaveLength(2);
    expect(new URL(sockets[1]!.url).searchParams.get('min_bet')).toBe('0.01');
    expect(sockets[1]!.url).not.toMatch(/token|bearer|eyJ/);
    await waitFor(() => sockets[1]!.received.some((m) => m.type === 'monitor_snapshot'), 'the second snapshot');
    // It resumed after the newest cursor it held: the snapshot replays just the play made while away.
    const heldCursor = sockets[0]!.received.filter((m) => m.type === 'game_event').at(-1)!.cursor;
    expect(new URL(sockets[1]!.url).searchParams.get('since')).toBe(heldCursor);
    expect(sockets[1]!.received.find((m) => m.type === 'monitor_snapshot').recent_events.map((e: { event_id: string }) => e.event_id)).toEqual([plays.at(-1)!.event_id]);
    plays.push(await play(bob.access_token, 'slot', { bet: 1 }));
    await feedShows(plays);
    // The play made while away counts in the chart too.
    expect(await page.getAttribute('#rate', 'data-plays')).toBe(String(plays.length));

    // Past the first token's lifetime: the page renewed it in-band, the socket was never
    // closed for expiry, and a newcomer is still named (the name lookup uses the new token).
    // Both clocks move on together: first to past the page's renewal (at 75% of the lifetime),
    // then, once the renewal is in, to past the first token's expiry, where the server sweeps.
    serverClock.advance(TOKEN_TTL_SECONDS * 800);
    await page.clock.fastForward(TOKEN_TTL_SECONDS * 800);
    await waitFor(() => sockets[1]!.received.some((m) => m.type === 'refreshed'), 'the in-band renewal');
    serverClock.advance(TOKEN_TTL_SECONDS * 350);
    await page.clock.fastForward(TOKEN_TTL_SECONDS * 350);
    server.app.registry.sweep();
    const carol = await client.signup('carol');
    plays.push(await play(carol.access_token, 'rps', { bet: 1, choice: 'rock' }));
    await inPage((name) => document.querySelector('#feed li .user')?.textContent === name, carol.user.username);
    const sent = sockets.flatMap((s) => s.sent);
    const received = sockets.flatMap((s) => s.received);
    expect(sent.some((m) => m.type === 'refresh' && typeof m.token === 'string')).toBe(true);
    expect(received.some((m) => m.type === 'refreshed')).toBe(true);
    expect(received.filter((m) => m.type === 'error').map((m) => m.code)).toEqual(received.filter((m) => m.type === 'error').map(() => 'unknown_type'));
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.isClosed).toBe(false);
    expect(await page.getAttribute('#status', 'data-state')).toBe('live');

    // A play that carries fairness data shows its seed hash (first characters) and nonce.
    // Published straight to the monitors' topic: plays carry none yet.
    const fairness = { server_seed_hash: 'ab12cd34ef56'.repeat(5) + 'abcd', client_seed: 'seed', nonce: 42 };
    const fairEvent = messages.gameEvent({ event_id: `${alice.user.id}-9999`, game_type: 'slot', user_id: alice.user.id, bet: 1, result: { payout: 0, fairness } as { payout: number }, ts: new Date().toISOString() });
    // Through the monitors' feed, so the page's server-side filter applies to it as to any event.
    server.app.hub.monitors.publishEvent(fairEvent, (topic, message) => server.app.app.server!.publish(topic, message));
    await inPage(() => document.querySelector('#feed li .fairness')?.textContent === 'ab12cd34ef… #42', null);

    // Presence leave: alice's socket closes and she leaves the list.
    playerSockets.pop()!.close();
    await inPage((name) => !Array.from(document.querySelectorAll('#connected li')).some((li) => li.textContent === name), alice.user.username);

    // 1008 (message budget) is the client's fault: no retry by itself, only by the button.
    const closeMonitor = (code: number, reason: string) => {
      for (const ws of server.app.registry.open) if (ws.data.session.kind === 'monitor') ws.close(code, reason);
    };
    closeMonitor(1008, 'message budget exceeded');
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'disconnected', null);
    await Bun.sleep(1_200); // past the longest first backoff (500 ms)
    expect(sockets).toHaveLength(2);
    await page.click('#reconnect');
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live', null);
    expect(sockets).toHaveLength(3);

    // 4001 (token expired): a fresh token first, then the reconnect.
    const renewalsBefore = renewals;
    closeMonitor(4001, 'token expired');
    await waitFor(() => sockets.length === 4 && renewals === renewalsBefore + 1, 'a renewal, then a new socket');
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live', null);

    await page.screenshot({ path: process.env.MONITOR_SCREENSHOT ?? '/tmp/monitor-page.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('keeps the login across a reload in this tab only, and logging out revokes it', async () => {
    const stored = await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: localStorage.length, cookie: document.cookie }));
    expect(stored).toEqual({ session: ['monitor.refresh_token'], local: 0, cookie: '' });
    const socketsBefore = sockets.length;
    await page.reload();
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live', null);
    expect(sockets).toHaveLength(socketsBefore + 1);
    expect(await page.isVisible('#login-view')).toBe(false);

    const refreshToken = await page.evaluate(() => sessionStorage.getItem('monitor.refresh_token'));
    await page.click('#logout');
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'signed-out' && sessionStorage.length === 0, null);
    expect(await page.isVisible('#login-view')).toBe(true);
    await waitFor(() => sockets.at(-1)!.isClosed, 'the socket to close');
    expect((await client.post('/api/auth/refresh', { refresh_token: refreshToken })).status).toBe(401);
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('backs off exponentially from 500 ms to 15 s, with jitter, and sends only what narrows', async () => {
    const seen = await page.evaluate(async () => {
      const modelUrl = '/monitor/assets/model.js'; // the page's own module, as the browser has it
      const model = await import(modelUrl);
      const attempts = [0, 1, 2, 3, 4, 5, 6, 10, 50];
      return {
        low: attempts.map((attempt) => model.backoffMs(attempt, 0)),
        high: attempts.map((attempt) => model.backoffMs(attempt, 0.999999)),
        none: model.filterQuery(model.allEvents()),
        noGames: [model.filterQuery({ games: [] }), model.subscribeMessage({ games: [] })],
        narrowed: model.filterQuery({ games: ['slot', 'crash'], userId: 7, minBet: 5, minMultiplier: 2 }),
        subscribe: model.subscribeMessage({ games: ['slot'], minBet: 5 }),
      };
    });
    expect(seen.low).toEqual([250, 500, 1000, 2000, 4000, 7500, 7500, 7500, 7500]);
    expect(seen.high).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000]);
    expect(seen.none).toBe('');
    // None ticked shows nothing in the page, but asks the server for everything (games left out), not for [].
    expect(seen.noGames).toEqual(['', { type: 'subscribe' }]);
    expect(seen.narrowed).toBe('?games=slot%2Ccrash&user_id=7&min_bet=5&min_multiplier=2');
    expect(seen.subscribe).toEqual({ type: 'subscribe', games: ['slot'], min_bet: 5 });
    expect(consoleErrors).toEqual([]);
  });
});

/** Waits in the test (not the page) for `condition`, up to 5 s. */
async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
