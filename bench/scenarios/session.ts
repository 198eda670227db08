/**
 * One round of one target: a fresh server, then every scenario in an order that lets them
 * share work: warm-up, idle sockets (opens the largest crowd), the scale curve walking the
 * crowd down, the play path with no crowd, fan-out. A failing step is recorded and the next
 * one still runs; the server is stopped whatever happens.
 */
import type { Agent } from "../lib/agent.ts";
import type { ServerProcess } from "../lib/proc.ts";
import type { Profile } from "../profiles.ts";
import type { Target } from "../targets/target.ts";
import { setIdleSockets, type Measurement, type SessionContext } from "./context.ts";
import { measureFanout } from "./fanout.ts";
import { measureIdleSockets } from "./idle.ts";
import { measureMonitorCost } from "./monitors.ts";
import { measurePlayPath, runPlays } from "./play.ts";

export interface SessionResult {
  measurements: Measurement[];
  errors: string[];
}

export async function runSession(target: Target, profile: Profile, agents: { player: Agent; crowd: Agent }): Promise<SessionResult> {
  const errors: string[] = [];
  let server: ServerProcess;
  try {
    server = await target.start();
  } catch (error) {
    return { measurements: [], errors: [`start: ${messageOf(error)}`] };
  }
  /** Runs one scenario; a failure is recorded and yields no figures. */
  const step = async (name: string, run: () => Promise<Measurement[]>): Promise<Measurement[]> => {
    if (server.hasExited()) return []; // reported by the step that saw it go
    try {
      return await run();
    } catch (error) {
      errors.push(`${name}: ${messageOf(error)}`);
      if (server.hasExited()) errors.push(`${target.name} exited; its last output:\n${server.tail()}`);
      return [];
    }
  };

  try {
    const userIds = await target.prepareUsers(server, profile.players + profile.idleUsers);
    const adminId = await target.prepareAdmin(server);
    const ctx: SessionContext = {
      target,
      server,
      profile,
      players: userIds.slice(0, profile.players).map((userId) => ({ userId, token: target.mintToken(userId, "user") })),
      idleTokens: userIds.slice(profile.players).map((userId) => target.mintToken(userId, "user")),
      adminToken: target.mintToken(adminId, "admin"),
      ...agents,
    };
    const { play } = profile;
    const scaleDown = [...profile.idleCounts].sort((a, b) => b - a);

    await step("warm-up", async () => {
      await runPlays(ctx, { monitors: play.monitors, concurrency: play.concurrency, durationMs: profile.warmupMs });
      return [];
    });
    const idle = await step("idle sockets", () => measureIdleSockets(ctx, scaleDown[0]!));
    const scale: Measurement[][] = [];
    for (const count of scaleDown) {
      scale.unshift(
        await step(`scale ${count}`, async () => {
          await setIdleSockets(ctx, count);
          return measurePlayPath(ctx, `play with ${count.toLocaleString("en-US")} idle sockets`);
        }),
      );
    }
    const playPath = await step("play path", async () => {
      await setIdleSockets(ctx, 0);
      return measurePlayPath(ctx, "play path (no idle sockets)");
    });
    const monitorCost = profile.monitorCost.targets.includes(target.name) ? await step("monitor cost", () => measureMonitorCost(ctx)) : [];
    const fanout = await step("fan-out", () => measureFanout(ctx));
    // Reported in reading order, not in the order measured.
    return { measurements: [...playPath, ...monitorCost, ...scale.flat(), ...fanout, ...idle], errors };
  } catch (error) {
    errors.push(`setup: ${messageOf(error)}`);
    return { measurements: [], errors };
  } finally {
    await agents.crowd.call("trimIdle", { count: 0 }, 60_000).catch(() => {});
    await server.stop();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
