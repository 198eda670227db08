/**
 * The play path: players each with one socket, a few monitors, REST play loops. Figures:
 * plays/s, send→event latency, server CPU per play (from /proc, immune to how fast the
 * client is), and events lost.
 */
import { cpuSeconds } from "../lib/proc.ts";
import type { PlayResult } from "../load/protocol.ts";
import type { Measurement, SessionContext } from "./context.ts";

export interface PlayOptions {
  monitors: number;
  concurrency: number;
  durationMs: number;
  /** See PlayRun.maxPlaysInFlight. */
  maxPlaysInFlight?: number;
  /** See PlaySetup.monitorQuery and monitorsExpected, PlayRun.scrape. */
  monitorQuery?: string;
  monitorsExpected?: boolean;
  scrape?: { path: string; everyMs: number };
}

/** Runs the loops once and returns the agent's counts with the server's CPU seconds spent. */
export async function runPlays(ctx: SessionContext, options: PlayOptions): Promise<{ result: PlayResult; cpuSeconds: number }> {
  const { player, server, target, profile } = ctx;
  try {
    await player.call(
      "preparePlay",
      {
        kind: target.streams,
        baseUrl: server.url,
        players: ctx.players,
        adminToken: ctx.adminToken,
        monitors: options.monitors,
        monitorQuery: options.monitorQuery,
        monitorsExpected: options.monitorsExpected,
        instances: ctx.instances?.map((instance) => instance.url),
      },
      60_000,
    );
    const servers = ctx.instances ?? [server];
    const serversCpu = () => servers.reduce((sum, instance) => sum + cpuSeconds(instance.pid), 0);
    const cpuBefore = serversCpu();
    const result = await player.call(
      "runPlay",
      {
        concurrency: options.concurrency,
        durationMs: options.durationMs,
        maxPlays: profile.play.maxPlays,
        drainMs: profile.play.drainMs,
        bet: 1,
        maxPlaysInFlight: options.maxPlaysInFlight,
        scrape: options.scrape,
      },
      options.durationMs + profile.play.drainMs + 30_000,
    );
    const cpu = serversCpu() - cpuBefore;
    if (result.plays === 0) throw new Error(`no play succeeded: ${result.firstError}`);
    if (result.errors > 0) console.warn(`  ${target.name}: ${result.errors} plays failed, the first with ${result.firstError}`);
    return { result, cpuSeconds: cpu };
  } finally {
    // Never masks the error that brought us here; a dead agent fails the next call anyway.
    await player.call("closePlay", {}, 30_000).catch(() => {});
  }
}

/** The play path measured with whatever idle sockets are present; figures filed under `section`. */
export async function measurePlayPath(ctx: SessionContext, section: string): Promise<Measurement[]> {
  const { play } = ctx.profile;
  const { result, cpuSeconds } = await runPlays(ctx, { monitors: play.monitors, concurrency: play.concurrency, durationMs: play.durationMs });
  const received = result.userDeliveries + result.monitorDeliveries;
  return [
    { section, measure: "plays_per_s", value: result.plays / result.elapsedSeconds },
    { section, measure: "p50_ms", value: result.latencyMs.p50 },
    { section, measure: "p99_ms", value: result.latencyMs.p99 },
    { section, measure: "cpu_us_per_play", value: (cpuSeconds * 1e6) / result.plays },
    { section, measure: "lost", value: result.expectedDeliveries - received },
    { section, measure: "errors", value: result.errors },
  ];
}
