/**
 * Fan-out: many monitors, each receiving every event. Flow control keeps the server from
 * buffering for a client that reads slower (the load generator shares the 2 cores), so
 * deliveries/s is end-to-end and lossless; server CPU per delivery is the figure that does not
 * depend on the client's speed.
 */
import type { Measurement, SessionContext } from "./context.ts";
import { runPlays } from "./play.ts";

export async function measureFanout(ctx: SessionContext, section = `fan-out (${ctx.profile.fanout.monitors} monitors)`): Promise<Measurement[]> {
  const { fanout } = ctx.profile;
  const { result, cpuSeconds } = await runPlays(ctx, {
    monitors: fanout.monitors,
    concurrency: fanout.concurrency,
    durationMs: fanout.durationMs,
    maxPlaysInFlight: fanout.concurrency,
  });
  const received = result.userDeliveries + result.monitorDeliveries;
  return [
    { section, measure: "deliveries_per_s", value: received / result.elapsedSeconds },
    { section, measure: "cpu_us_per_delivery", value: (cpuSeconds * 1e6) / received },
    { section, measure: "lost", value: result.expectedDeliveries - received },
    { section, measure: "errors", value: result.errors },
  ];
}
