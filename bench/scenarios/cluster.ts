/**
 * The cluster (issue 10 item 8): `instances` servers of one target sharing their events
 * (ours: one PostgreSQL and one Redis; Socket.IO: the Redis adapter). Each player plays on one
 * instance and listens on another, so the latency is play-to-socket ACROSS instances; monitors
 * are spread over every instance and must each get every event. Figures: the play path and
 * fan-out (plays/s, p99, CPU of all instances per play and per delivery, events lost), and
 * for the targets in `referenceTargets` the same on one instance of the same store, with the
 * cluster's plays/s as a ratio to it.
 */
import type { Agent } from "../lib/agent.ts";
import { missingServices } from "../lib/services.ts";
import type { Profile } from "../profiles.ts";
import type { Target } from "../targets/target.ts";
import type { Measurement, SessionContext } from "./context.ts";
import { measureFanout } from "./fanout.ts";
import { measurePlayPath, runPlays } from "./play.ts";

export async function measureCluster(target: Target, profile: Profile, agents: { player: Agent; crowd: Agent }): Promise<Measurement[]> {
  const { cluster } = profile;
  if (!target.startCluster || !cluster.targets.includes(target.name)) return [];
  const missing = missingServices();
  if (missing && profile.name === "quick") {
    console.log(`  cluster skipped for ${target.name} (quick run): ${missing}`);
    return [];
  }
  if (missing) throw new Error(missing);
  // One section for every target, so that the table gives their ratios.
  const section = `cluster: ${cluster.instances} instances (ours: PostgreSQL + Redis; Socket.IO: Redis adapter), play on one, socket on another`;
  const many = await runCluster(target, profile, agents, cluster.instances, section);
  if (!cluster.referenceTargets.includes(target.name)) return [...many.playPath, ...many.fanout];
  const one = await runCluster(target, profile, agents, 1, `cluster reference: 1 instance on the same ${target.name === "ours" ? "PostgreSQL" : "Redis"}`);
  const playsPerSecond = (rows: Measurement[]) => rows.find((row) => row.measure === "plays_per_s")?.value ?? NaN;
  const ratio: Measurement = { section, measure: "ratio_to_one_instance", value: playsPerSecond(many.playPath) / playsPerSecond(one.playPath) };
  return [...many.playPath, ratio, ...many.fanout, ...one.playPath, ...one.fanout];
}

async function runCluster(
  target: Target,
  profile: Profile,
  agents: { player: Agent; crowd: Agent },
  instances: number,
  section: string,
): Promise<{ playPath: Measurement[]; fanout: Measurement[] }> {
  const started = await target.startCluster!(instances);
  try {
    const userIds = await started.prepareUsers(profile.players);
    const adminId = await started.prepareAdmin();
    const ctx: SessionContext = {
      target,
      server: started.servers[0]!,
      instances: started.servers.length > 1 ? started.servers : undefined,
      profile,
      players: userIds.map((userId) => ({ userId, token: target.mintToken(userId, "user") })),
      idleTokens: [],
      adminToken: target.mintToken(adminId, "admin"),
      ...agents,
    };
    const { play } = profile;
    await runPlays(ctx, { monitors: play.monitors, concurrency: play.concurrency, durationMs: profile.warmupMs });
    const playPath = await measurePlayPath(ctx, section);
    const fanout = await measureFanout(ctx, `${section}: fan-out (${profile.fanout.monitors} monitors)`);
    return { playPath, fanout };
  } finally {
    await Promise.all(started.servers.map((server) => server.stop()));
  }
}
