/**
 * The monitor page's back office in headless Chromium against the real server: period totals
 * from /stats (not from the events the page holds), player search, a profile and its actions
 * each asking for a reason, the audit log, the cluster panel, the big-win alert, and the
 * polish found from outside (a long payout kept in its column, no sideways overflow at 420 px,
 * the chart filled after a reload and given a time axis, dates on times). Screenshots are
 * written to /tmp for a person to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { messages } from '../../src/realtime/events';
import { launchChromium } from '../support/browser';
import { api, type Api } from '../support/client';
import { ADMIN, startTestServer, type TestServer } from '../support/server';
import { openUserSocket, type TestSocket } from '../support/socket';

const RECENT = 4;
const SHOTS = process.env.MONITOR_SCREENSHOT_DIR ?? '/tmp';

let server: TestServer;
let client: Api;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const playerSockets: TestSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ RECENT_EVENTS: String(RECENT), INITIAL_BALANCE: '10000000' });
  client = api(server.url);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 30_000);

afterAll(async () => {
  for (const socket of playerSockets) socket.close();
  await Promise.race([browser?.close(), Bun.sleep(5_000)]);
  await server?.close();
});

const inPage = (predicate: (arg: any) => boolean, arg: unknown = null) => page.waitForFunction(predicate, arg, { timeout: 10_000, polling: 20 });
const text = (selector: string) => page.textContent(selector);
const cents = (n: number) => Math.round(n * 100);
const money = (c: number) => (c / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

async function login() {
  await page.goto(`${server.url}/monitor`);
  await page.fill('input[name="username"]', ADMIN.username);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.press('input[name="password"]', 'Enter');
  await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live');
}

async function shot(name: string, selector?: string) {
  const path = `${SHOTS}/monitor-backoffice-${name}.png`;
  if (selector) {
    await page.locator(selector).scrollIntoViewIfNeeded();
    await page.locator(selector).screenshot({ path });
  } else await page.screenshot({ path, fullPage: true });
}

// The tests share one page and run in order.
describe('the monitor page’s back office', () => {
  it('shows period totals from the ledger, not from the events the page holds', async () => {
    const player = await client.signup('totals');
    const played: { bet: number; payout: number; game: string }[] = [];
    for (let i = 0; i < 3 * RECENT; i++) {
      const game = (['slot', 'rps', 'crash'] as const)[i % 3]!;
      const answer = await client.play(player.access_token, game, { bet: 2 + i });
      played.push({ bet: answer.json.bet, payout: answer.json.result.payout, game });
    }
    await login();
    // The page holds the snapshot's RECENT events; the totals count every play of today.
    await inPage((n) => document.querySelector('#totals tr[data-game="all"] td[data-stat="plays"]')?.textContent === String(n), played.length);
    await inPage((n) => document.querySelector('#stats tr[data-game="all"] td[data-stat="plays"]')?.textContent === String(n), RECENT);
    const stats = (await client.get('/api/admin/stats?game_type=crash', (await client.loginAdmin()).access_token)).json.games.crash;
    const crash = played.filter((p) => p.game === 'crash');
    expect(stats.plays).toBe(crash.length);
    expect(await text('#totals tr[data-game="crash"] td[data-stat="bet"]')).toBe(money(crash.reduce((sum, p) => sum + cents(p.bet), 0)));
    expect(await text('#totals tr[data-game="crash"] td[data-stat="payout"]')).toBe(money(crash.reduce((sum, p) => sum + cents(p.payout), 0)));
    expect(await text('#totals-range')).toMatch(/^\(since \d{4}-\d{2}-\d{2} 00:00:00, from the ledger\)$/);
    expect(await text('#stats-title')).toContain('only the events this page holds');

    // A period that has not begun yet counts nothing; all time counts everything again.
    await page.selectOption('#period', 'since');
    await page.fill('#period-since', '2999-01-01T00:00');
    await page.dispatchEvent('#period-since', 'change');
    await inPage(() => document.querySelector('#totals tr[data-game="all"] td[data-stat="plays"]')?.textContent === '0');
    await page.selectOption('#period', 'all');
    await inPage((n) => document.querySelector('#totals tr[data-game="all"] td[data-stat="plays"]')?.textContent === String(n), played.length);
    expect(await text('#totals-range')).toBe('(all time, from the ledger)');
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('finds a player, shows the profile, and applies each action only with a reason, recording it', async () => {
    const bob = await client.signup('bob');
    const socket = await openUserSocket(server.url, bob.access_token);
    playerSockets.push(socket);
    await client.play(bob.access_token, 'gacha', { bet: 3 });
    await page.fill('#player-search input[name="q"]', bob.user.username.slice(0, 6));
    await page.click('#player-search button[type="submit"]');
    await page.click(`#player-results button[data-user-id="${bob.user.id}"]`);
    await inPage((id) => document.querySelector('#profile')?.getAttribute('data-user-id') === String(id), bob.user.id);
    expect(await text('#profile-facts dd[data-fact="status"]')).toBe('active');
    expect(await page.locator('#profile-events li').count()).toBe(1);

    const auditRows = () => page.locator('#audit tbody tr').count();
    const rowsBefore = await auditRows();
    // No reason, no request: the form will not submit (and the server would refuse it).
    await page.click('#profile-actions button[data-action="adjust"]');
    await page.fill('#action-form input[name="amount"]', '12.34');
    await page.click('#action-form button[type="submit"]');
    expect(await page.evaluate(() => (document.querySelector('#action-form input[name="reason"]') as HTMLInputElement).validity.valueMissing)).toBe(true);
    await page.fill('#action-form input[name="reason"]', 'goodwill: the outage on Tuesday');
    await shot('action-form', '#players-panel');
    await page.click('#action-form button[type="submit"]');
    await inPage(() => document.querySelector('#action-result')?.textContent?.startsWith('adjusted') === true);
    expect(await text('#profile-facts dd[data-fact="balance"]')).toBe(money(cents(bob.user.balance) + 1234 - cents(3) + cents((await client.get('/api/games/history', bob.access_token)).json.events[0].result.payout)));
    expect((await socket.next('balance_update')).reason).toBeDefined();
    await inPage((n) => document.querySelectorAll('#audit tbody tr').length === n, rowsBefore + 1);
    expect(await text('#audit tbody tr:first-child td[data-stat="reason"]')).toBe('goodwill: the outage on Tuesday');
    expect(await text('#audit tbody tr:first-child td[data-stat="user"]')).toBe(bob.user.username);

    await page.click('#profile-actions button[data-action="block"]');
    await page.fill('#action-form input[name="reason"]', 'chargeback fraud');
    await page.click('#action-form button[type="submit"]');
    expect((await socket.closed).code).toBe(4003);
    await inPage(() => document.querySelector('#profile')?.getAttribute('data-status') === 'blocked');
    expect([await page.isVisible('#profile-actions button[data-action="block"]'), await page.isVisible('#profile-actions button[data-action="unblock"]')]).toEqual([false, true]);
    await shot('profile-blocked', '#players-panel');

    await page.click('#profile-actions button[data-action="unblock"]');
    await page.fill('#action-form input[name="reason"]', 'appeal upheld');
    await page.click('#action-form button[type="submit"]');
    await inPage(() => document.querySelector('#profile')?.getAttribute('data-status') === 'active');

    const again = await openUserSocket(server.url, (await client.post('/api/auth/login', { username: bob.user.username, password: bob.password })).json.access_token);
    playerSockets.push(again);
    await page.click('#profile-actions button[data-action="disconnect"]');
    await page.fill('#action-form input[name="reason"]', 'stuck session');
    await page.click('#action-form button[type="submit"]');
    await inPage(() => document.querySelector('#action-result')?.textContent === 'disconnected: 1 socket closed');
    expect((await again.closed).code).toBe(4004);
    await inPage((n) => document.querySelectorAll('#audit tbody tr').length === n, rowsBefore + 4);
    const actions = await page.$$eval('#audit tbody tr td[data-stat="action"]', (cells) => cells.slice(0, 4).map((cell) => cell.textContent));
    expect(actions).toEqual(['disconnect', 'unblock', 'block', 'adjust']);
    expect(await page.$$eval('#profile-audit li', (items) => items.map((item) => (item as HTMLElement).dataset.action))).toEqual(['disconnect', 'unblock', 'block', 'adjust']);
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('shows the cluster: this instance, its sockets, the broker and the database', async () => {
    await inPage(() => document.querySelectorAll('#cluster tbody tr').length === 1);
    expect(await text('#cluster-summary')).toBe('broker memory: connected; database sqlite: ok');
    expect(await text('#cluster tbody tr td[data-stat="instance"]')).toMatch(/ \*$/);
    // Counted from the instance's own heartbeat: the page's monitor shows once the panel refreshes after it.
    await inPage(() => document.querySelector('#cluster tbody tr td[data-stat="monitors"]')?.textContent === '1');
    expect(await text('#cluster tbody tr td[data-stat="database"]')).toBe('ok');
  });

  it('raises an alert for a win over the threshold the operator sets, and only then', async () => {
    const carol = await client.signup('carol');
    await page.fill('#alert-rule input[name="min_payout"]', '150');
    await page.dispatchEvent('#alert-rule input[name="min_payout"]', 'change');
    const small = await client.play(carol.access_token, 'crash', { bet: 1, cashout: 1.01 });
    let big: any;
    for (let i = 0; i < 20 && !big; i++) {
      const answer = await client.play(carol.access_token, 'crash', { bet: 149, cashout: 1.01 });
      if (answer.json.result.payout >= 150) big = answer.json;
    }
    expect(big).toBeDefined();
    await inPage((id) => document.querySelector('#alerts li')?.getAttribute('data-event-id') === id, big.event_id);
    expect(await page.locator(`#alerts li[data-event-id="${small.json.event_id}"]`).count()).toBe(0);
    await inPage((name) => document.querySelector('#alerts li .user')?.textContent === name, carol.user.username);
    expect(await text('#alerts li .payout')).toBe(`won ${money(cents(big.result.payout))} on 149.00 (${(big.result.payout / 149).toFixed(2)}×)`);
    await shot('alerts', '#alerts-panel');
    await page.click('#alerts li .dismiss');
    expect(await page.locator('#alerts li').count()).toBe(0);
    // The rule is the operator's, kept for the next visit.
    expect(await page.evaluate(() => localStorage.getItem('monitor.alert_rule'))).toBe('{"minPayout":150}');
  }, 30_000);

  it('keeps a long payout in its column, with dates on times', async () => {
    const huge = messages.gameEvent({ event_id: '1-99999', game_type: 'slot', user_id: 1, bet: 100000, result: { payout: 123456789.12 }, ts: new Date().toISOString(), cursor: '999999' });
    server.app.hub.monitors.publishEvent(huge, (topic, message) => server.app.app.server!.publish(topic, message));
    await inPage(() => document.querySelector('#feed li')?.getAttribute('data-event-id') === '1-99999');
    const boxes = await page.$eval('#feed li', (row) => {
      const box = (name: string) => row.querySelector(`.${name}`)!.getBoundingClientRect();
      const payout = row.querySelector('.payout') as HTMLElement;
      // Text wider than its cell is painted over the next cell unless the cell clips it.
      const isClippedOrFits = payout.scrollWidth <= payout.clientWidth || getComputedStyle(payout).overflowX === 'hidden';
      return { payoutRight: box('payout').right, outcomeLeft: box('outcome').left, isClippedOrFits, title: payout.title, time: row.querySelector('time')!.textContent, datetime: row.querySelector('time')!.getAttribute('datetime') };
    });
    expect(boxes.payoutRight).toBeLessThanOrEqual(boxes.outcomeLeft);
    expect(boxes.isClippedOrFits).toBe(true);
    expect(boxes.title).toBe('paid 123,456,789.12 (1234.57×)');
    expect(boxes.time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(boxes.datetime).toBe(JSON.parse(huge).ts);
    await shot('feed', '#feed');
    await shot('wide');
  });

  it('fills the plays-per-second chart after a reload, over a time axis', async () => {
    const dave = await client.signup('dave');
    for (let i = 0; i < RECENT; i++) await client.play(dave.access_token, 'slot', { bet: 1 });
    await page.reload();
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live');
    // The snapshot's events are from the last minute: they count where they happened.
    await inPage((n) => Number(document.querySelector('#rate')?.getAttribute('data-plays')) === n, RECENT);
    const axis = (await page.getAttribute('#rate', 'data-axis'))!.split(' ');
    expect(axis).toHaveLength(3);
    for (const label of axis) expect(label).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const toSeconds = (label: string) => label.split(':').map(Number).reduce((sum, part) => sum * 60 + part, 0);
    expect((toSeconds(axis[2]!) - toSeconds(axis[0]!) + 86400) % 86400).toBe(60);
    await shot('chart', '#rate');
  });

  it('does not overflow sideways at 420 px wide', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await inPage(() => document.querySelector('#status')!.getAttribute('data-state') === 'live');
    await Bun.sleep(300);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      widest: Math.max(...Array.from(document.querySelectorAll('main > *, header')).map((node) => node.getBoundingClientRect().right)),
    }));
    expect(widths.page).toBeLessThanOrEqual(420);
    expect(widths.body).toBeLessThanOrEqual(420);
    expect(widths.widest).toBeLessThanOrEqual(420);
    await shot('narrow');
    await shot('narrow-feed', '#feed');
    expect(consoleErrors).toEqual([]);
  });
});
