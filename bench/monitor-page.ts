/**
 * What the monitor page costs the browser under a busy stream: `bun bench/monitor-page.ts`
 * (about 25 s; needs Debian's chromium). Game events are published straight to the monitors'
 * topic at each rate for 8 s, so only the page's own work is measured; the page times every
 * render (`performance.measure('monitor render')`), and the browser's busy time is read from
 * CDP's Performance metrics. Report only: nothing here is a pass or a fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { messages } from '../src/realtime/events';
import { MONITOR_TOPIC } from '../src/realtime/hub';
import { startServer } from '../src/server';
import { launchChromium } from '../tests/support/browser';

const RATES = [100, 1_000, 5_000];
const SECONDS = 8;

const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-'));
const admin = { username: 'admin', password: 'admin-password' };
const config = loadConfig({
  PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}`, JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256-0123456789',
  ADMIN_USERNAME: admin.username, ADMIN_PASSWORD: admin.password, LOG_LEVEL: 'silent', PASSWORD_MEMORY_KIB: '1024',
});
const server = await startServer(config);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
  await page.goto(`${server.url}/monitor`);
  await page.fill('input[name="username"]', admin.username);
  await page.fill('input[name="password"]', admin.password);
  await page.press('input[name="password"]', 'Enter');
  await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'live');

  const bunServer = server.app.app.server!;
  let seq = 0;
  console.log('rate/s  events held  renders  render p50 ms  render p95 ms  render max ms  browser busy %');
  for (const rate of RATES) {
    await page.evaluate(() => performance.clearMeasures('monitor render'));
    const busyBefore = await taskSeconds();
    const startedAt = performance.now();
    // Published in 10 ms slices, as a stream would arrive.
    while (performance.now() - startedAt < SECONDS * 1000) {
      const sliceStart = performance.now();
      for (let i = 0; i < rate / 100; i++) {
        seq += 1;
        const game = (['slot', 'rps', 'gacha', 'crash'] as const)[seq % 4]!;
        bunServer.publish(MONITOR_TOPIC, messages.gameEvent({ event_id: `1-${seq}`, game_type: game, user_id: 1, bet: 1, result: { payout: seq % 3 }, ts: new Date().toISOString() }));
      }
      await Bun.sleep(Math.max(0, 10 - (performance.now() - sliceStart)));
    }
    const elapsed = (performance.now() - startedAt) / 1000;
    await Bun.sleep(300);
    const busy = (await taskSeconds()) - busyBefore;
    const durations = (await page.evaluate(() => performance.getEntriesByName('monitor render').map((e) => e.duration))).sort((a, b) => a - b);
    const at = (q: number) => (durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0).toFixed(1);
    const held = await page.evaluate(() => document.querySelector('#stats tr[data-game="all"] td[data-stat="plays"]')?.textContent);
    console.log(`${String(rate).padStart(6)}  ${String(held).padStart(11)}  ${String(durations.length).padStart(7)}  ${at(0.5).padStart(13)}  ${at(0.95).padStart(13)}  ${at(1).padStart(13)}  ${((busy / elapsed) * 100).toFixed(0).padStart(14)}`);
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
