/**
 * The reconnect storm (issue 13 item 3), on a fresh server of its own: `sockets` user sockets
 * over `users` users receive one event each, all lose their connection, every user plays
 * `missedPerUser` times meanwhile, then all sockets reconnect within `spreadMs` asking to
 * resume. Figures: time until every socket has its replay and a live event after the storm,
 * the server's CPU and peak RSS over that time, and events missed and repeated, counted per
 * socket against the plays made (both must be 0). Runs for targets that can resume.
 */
import type { Agent } from "../lib/agent.ts";
import { cpuSeconds, rssBytes, type ServerProcess } from "../lib/proc.ts";
import type { Profile } from "../profiles.ts";
import type { Target } from "../targets/target.ts";
import type { Measurement } from "./context.ts";

/** How often RSS is read during the storm; the peak is the largest reading. */
const RSS_SAMPLE_MS = 20;

export async function measureStorm(target: Target, profile: Profile, crowd: Agent): Promise<Measurement[]> {
  if (!target.startForStorm) return [];
  const { storm } = profile;
  const server: ServerProcess = await target.startForStorm();
  try {
    const userIds = await target.prepareUsers(server, storm.users);
    const players = userIds.map((userId) => ({ userId, token: target.mintToken(userId, "user") }));
    const socketsPerUser = Math.ceil(storm.sockets / storm.users);
    await crowd.call("stormOpen", { kind: target.streams, baseUrl: server.url, players, socketsPerUser }, 120_000);
    await crowd.call("stormDrop", {}, 30_000);
    await crowd.call("stormMiss", { perUser: storm.missedPerUser }, 120_000);
    await Bun.sleep(profile.settleMs);

    let rssPeak = rssBytes(server.pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(server.pid))), RSS_SAMPLE_MS);
    const cpuBefore = cpuSeconds(server.pid);
    let result;
    try {
      result = await crowd.call("stormResume", { spreadMs: storm.spreadMs, timeoutMs: storm.timeoutMs }, storm.timeoutMs + 30_000);
    } finally {
      clearInterval(sampler);
    }
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    if (result.failed > 0 || result.notices > 0) {
      console.warn(`  ${target.name} storm: ${result.failed} sockets failed to reconnect, ${result.notices} error messages; first: ${result.firstError}`);
    }
    const section = `reconnect storm (${result.sockets.toLocaleString("en-US")} sockets, ${storm.users.toLocaleString("en-US")} users, ${storm.missedPerUser} missed each)`;
    return [
      { section, measure: "resume_s", value: result.liveMs / 1000 },
      { section, measure: "connected_s", value: result.connectedMs / 1000 },
      { section, measure: "replayed_s", value: result.replayedMs / 1000 },
      { section, measure: "resume_cpu_s", value: cpu },
      { section, measure: "rss_peak_mib", value: rssPeak / 1024 / 1024 },
      { section, measure: "missed", value: result.missed },
      { section, measure: "repeated", value: result.repeated },
      { section, measure: "storm_failed", value: result.failed },
    ];
  } finally {
    await crowd.call("stormClose", {}, 30_000).catch(() => {});
    await server.stop();
  }
}
