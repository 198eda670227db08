/**
 * What monitors and a metrics scraper cost the play path (issue 13 item 4): the play path
 * run plain, then with `monitors` admin monitors receiving every event, with as many monitors
 * asking the server to filter (`filterQuery`: no slot play matches it, so a filtering server
 * sends them nothing), and with `GET /metrics` scraped every second. Each as plays/s ÷ the
 * plain run made just before, in the same session (target: above 0.95 for the filtered
 * monitors and the scrape). A scrape answered 404 (no /metrics yet) gives no figure: "n/a".
 */
import type { Measurement, SessionContext } from "./context.ts";
import { runPlays, type PlayOptions } from "./play.ts";

export async function measureMonitorCost(ctx: SessionContext): Promise<Measurement[]> {
  const { play, monitorCost } = ctx.profile;
  const plain: PlayOptions = { monitors: play.monitors, concurrency: play.concurrency, durationMs: play.durationMs };
  const playsPerSecond = async (options: PlayOptions) => {
    const { result } = await runPlays(ctx, options);
    return { perSecond: result.plays / result.elapsedSeconds, result };
  };

  const base = await playsPerSecond(plain);
  const all = await playsPerSecond({ ...plain, monitors: monitorCost.monitors, maxPlaysInFlight: play.concurrency });
  const filtered = await playsPerSecond({ ...plain, monitors: monitorCost.monitors, monitorQuery: monitorCost.filterQuery, monitorsExpected: false });
  const scraped = await playsPerSecond({ ...plain, scrape: { path: "/metrics", everyMs: monitorCost.scrapeEveryMs } });

  const count = monitorCost.monitors.toLocaleString("en-US");
  const rows: Measurement[] = [
    { section: `play path with ${count} monitors`, measure: "ratio_to_play_path", value: all.perSecond / base.perSecond },
    { section: `play path with ${count} monitors`, measure: "plays_per_s", value: all.perSecond },
    { section: `play path with ${count} filtered monitors (?${monitorCost.filterQuery})`, measure: "ratio_to_play_path", value: filtered.perSecond / base.perSecond },
    { section: `play path with ${count} filtered monitors (?${monitorCost.filterQuery})`, measure: "monitor_deliveries_per_play", value: filtered.result.monitorDeliveries / filtered.result.plays },
  ];
  const answers = scraped.result.scrapes ?? {};
  const ok = answers["200"] ?? 0;
  if (ok > 0) {
    rows.push({ section: `play path with /metrics scraped every ${monitorCost.scrapeEveryMs} ms`, measure: "ratio_to_play_path", value: scraped.perSecond / base.perSecond });
  } else {
    console.log(`  ${ctx.target.name}: GET /metrics answered ${JSON.stringify(answers)}; the scrape row is n/a`);
  }
  return rows;
}
