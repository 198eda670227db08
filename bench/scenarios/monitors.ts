/**
 * What monitors and a metrics scraper cost the play path (issue 13 item 4): the play path
 * with `monitors` admin monitors receiving every event, with as many monitors asking the
 * server to filter (`filterQuery`: no slot play matches it, so a filtering server sends them
 * nothing), and with `GET /metrics` scraped every second without a token (it is public unless
 * METRICS_TOKEN is set, as a scraper on the private network sees it). Each is bracketed by
 * plain play-path runs, P all P filtered P scraped P, and reported as plays/s ÷ the mean of
 * the plain runs just before and after it (target: above 0.95 for the filtered monitors and
 * the scrape), with server CPU per play ÷ the same mean, the steadier of the two on a shared
 * machine. A scrape answered other than 200 gives no figure: "n/a".
 *
 * The filtered monitors are counted, not awaited: every `game_event` they get is a delivery
 * the filter should have stopped, so deliveries per play must be 0. The players' own events
 * are still awaited and counted as lost if missing.
 */
import type { PlayResult } from "../load/protocol.ts";
import type { Measurement, SessionContext } from "./context.ts";
import { runPlays, type PlayOptions } from "./play.ts";

type Run = { perSecond: number; cpuPerPlay: number; result: PlayResult };

export async function measureMonitorCost(ctx: SessionContext): Promise<Measurement[]> {
  const { play, monitorCost } = ctx.profile;
  const plain: PlayOptions = { monitors: play.monitors, concurrency: play.concurrency, durationMs: play.durationMs };
  const measure = async (options: PlayOptions): Promise<Run> => {
    const { result, cpuSeconds } = await runPlays(ctx, options);
    return { perSecond: result.plays / result.elapsedSeconds, cpuPerPlay: cpuSeconds / result.plays, result };
  };
  const variants: { section: string; options: PlayOptions }[] = [
    { section: `play path with ${monitorCost.monitors.toLocaleString("en-US")} monitors`, options: { ...plain, monitors: monitorCost.monitors, maxPlaysInFlight: play.concurrency } },
    {
      section: `play path with ${monitorCost.monitors.toLocaleString("en-US")} filtered monitors (?${monitorCost.filterQuery})`,
      options: { ...plain, monitors: monitorCost.monitors, monitorQuery: monitorCost.filterQuery, monitorsExpected: false },
    },
    { section: `play path with /metrics scraped every ${monitorCost.scrapeEveryMs} ms`, options: { ...plain, scrape: { path: "/metrics", everyMs: monitorCost.scrapeEveryMs } } },
  ];

  const rows: Measurement[] = [];
  let before = await measure(plain);
  for (const { section, options } of variants) {
    const run = await measure(options);
    const after = await measure(plain);
    const reference = { perSecond: (before.perSecond + after.perSecond) / 2, cpuPerPlay: (before.cpuPerPlay + after.cpuPerPlay) / 2 };
    before = after;
    if (options.scrape && (run.result.scrapes?.["200"] ?? 0) === 0) {
      console.log(`  ${ctx.target.name}: GET /metrics answered ${JSON.stringify(run.result.scrapes ?? {})}; the scrape row is n/a`);
      continue;
    }
    rows.push(
      { section, measure: "ratio_to_play_path", value: run.perSecond / reference.perSecond },
      { section, measure: "cpu_ratio_to_play_path", value: run.cpuPerPlay / reference.cpuPerPlay },
      { section, measure: "plays_per_s", value: run.perSecond },
      { section, measure: "lost", value: lostOf(run.result, options) },
    );
    if (options.monitorQuery) rows.push({ section, measure: "monitor_deliveries_per_play", value: run.result.monitorDeliveries / run.result.plays });
  }
  return rows;
}

/** Expected deliveries not received; filtered monitors expect none, so only the players' count. */
function lostOf(result: PlayResult, options: PlayOptions): number {
  const received = result.userDeliveries + (options.monitorsExpected === false ? 0 : result.monitorDeliveries);
  return result.expectedDeliveries - received;
}
