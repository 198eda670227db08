/** How big and how long: `--quick` for a smoke run of a few seconds, `full` for the record. */

export interface Profile {
  name: "quick" | "full";
  /** Printed with the results: how far to trust them. */
  caveat?: string;
  /** Each round runs every target once, in the same order (A B C A B C …). */
  rounds: number;
  /** Users with one event socket each, driving the plays. */
  players: number;
  /** Users owning the idle sockets (many sockets each; they never play). */
  idleUsers: number;
  /** Unmeasured plays after start-up, so that the JIT and caches are warm. */
  warmupMs: number;
  play: { concurrency: number; monitors: number; durationMs: number; drainMs: number; maxPlays: number };
  /** Scale curve: idle sockets present during a play run. The largest is the memory point. */
  idleCounts: number[];
  connectConcurrency: number;
  /** Pause after connecting or closing sockets before a reading. */
  settleMs: number;
  fanout: { monitors: number; concurrency: number; durationMs: number };
  /** Monitor cost (scenarios/monitors.ts), for the targets named. */
  monitorCost: { targets: string[]; monitors: number; filterQuery: string; scrapeEveryMs: number };
  /**
   * The cluster (scenarios/cluster.ts): `instances` servers sharing their events, for the
   * targets named; the one-instance reference for `referenceTargets`. Same play and fan-out
   * sizes as above.
   */
  cluster: { instances: number; targets: string[]; referenceTargets: string[] };
  /** Reconnect storm (scenarios/storm.ts): sockets over users, plays missed per user, reconnects spread over spreadMs. */
  storm: { sockets: number; users: number; missedPerUser: number; spreadMs: number; timeoutMs: number };
  /** The run is aborted past `rounds` times this. */
  roundDeadlineMs: number;
}

const FULL: Profile = {
  name: "full",
  rounds: 3,
  players: 32,
  idleUsers: 10,
  warmupMs: 1500,
  play: { concurrency: 32, monitors: 4, durationMs: 3000, drainMs: 1000, maxPlays: 300_000 },
  idleCounts: [1_000, 5_000, 10_000],
  connectConcurrency: 200,
  settleMs: 1500,
  fanout: { monitors: 1_000, concurrency: 8, durationMs: 3000 },
  monitorCost: { targets: ["ours"], monitors: 1_000, filterQuery: "games=crash&min_multiplier=10", scrapeEveryMs: 1000 },
  cluster: { instances: 2, targets: ["ours", "socket.io"], referenceTargets: ["ours"] },
  storm: { sockets: 10_000, users: 1_000, missedPerUser: 3, spreadMs: 1000, timeoutMs: 60_000 },
  roundDeadlineMs: 6 * 60_000, // a round took 3.4 minutes at 7afeba4 (the storm and the cluster included)
};

const QUICK: Profile = {
  name: "quick",
  caveat:
    "quick mode checks that everything runs; its figures are not results. Memory per socket in particular: " +
    "a garbage collection between the two readings moves RSS by more than a few hundred sockets take (even below zero).",
  rounds: 1,
  players: 8,
  idleUsers: 2,
  warmupMs: 200,
  play: { concurrency: 8, monitors: 2, durationMs: 300, drainMs: 200, maxPlays: 50_000 },
  // One point of the scale curve: every scenario runs, none is a result at this size.
  idleCounts: [400],
  connectConcurrency: 100,
  settleMs: 100,
  fanout: { monitors: 50, concurrency: 4, durationMs: 300 },
  monitorCost: { targets: ["ours"], monitors: 50, filterQuery: "games=crash&min_multiplier=10", scrapeEveryMs: 100 },
  cluster: { instances: 2, targets: ["ours", "socket.io"], referenceTargets: ["ours"] },
  storm: { sockets: 500, users: 50, missedPerUser: 2, spreadMs: 1000, timeoutMs: 20_000 },
  roundDeadlineMs: 2 * 60_000, // about 20 seconds
};

export function profileFor(quick: boolean): Profile {
  return quick ? QUICK : FULL;
}

/** Sockets a server (or the crowd agent) may hold at once in this profile, with room to spare. */
export function openFilesNeeded(profile: Profile): number {
  const sockets = Math.max(...profile.idleCounts, profile.storm.sockets) + profile.players + Math.max(profile.play.monitors, profile.fanout.monitors);
  return sockets + 1024;
}
