/** What a scenario gets: one running server of one target, its users, and the load agents. */
import type { Agent } from "../lib/agent.ts";
import type { ServerProcess } from "../lib/proc.ts";
import type { Player } from "../load/protocol.ts";
import type { Profile } from "../profiles.ts";
import type { Target } from "../targets/target.ts";

export interface SessionContext {
  target: Target;
  server: ServerProcess;
  /** A cluster's instances (`server` is the first): plays and streams are spread over them, CPU is their sum. */
  instances?: ServerProcess[];
  profile: Profile;
  players: Player[];
  /** Tokens of the users who own the idle sockets. */
  idleTokens: string[];
  adminToken: string;
  /** Runs the play loops and holds the players' and monitors' sockets. */
  player: Agent;
  /** Holds the idle sockets. */
  crowd: Agent;
}

/** One figure of one round: `section` is what was run, `measure` a key of MEASURES (report.ts). */
export interface Measurement {
  section: string;
  measure: string;
  value: number;
}

/** Makes the crowd exactly `count` idle sockets strong. */
export async function setIdleSockets(ctx: SessionContext, count: number): Promise<number> {
  const { crowd, target, server, idleTokens, profile } = ctx;
  const connectTimeout = 60_000 + count * 10; // 10k sockets: under two minutes even for Socket.IO
  let state = await crowd.call(
    "openIdle",
    { kind: target.streams, baseUrl: server.url, tokens: idleTokens, count, concurrency: profile.connectConcurrency },
    connectTimeout,
  );
  if (state.failed > 0) throw new Error(`${state.failed} idle sockets failed to open: ${state.firstError}`);
  state = await crowd.call("trimIdle", { count }, connectTimeout);
  await Bun.sleep(profile.settleMs);
  return state.open;
}
