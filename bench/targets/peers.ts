/**
 * The reference implementations in bench/peers/. They keep no users: any id in a valid token
 * is a user, so preparing users costs nothing.
 */
import { join } from "node:path";
import { signAccessToken } from "../lib/jwt.mjs";
import { leashed, startServer } from "../lib/proc.ts";
import { redisUrl } from "../lib/services.ts";
import type { StreamKind } from "../load/protocol.ts";
import type { ClusterStart, Target } from "./target.ts";

const PEERS_DIR = join(import.meta.dir, "..", "peers");
const ADMIN_ID = 1_000_000;

function peerTarget(spec: {
  name: string;
  description: string;
  cmd: string[];
  streams: StreamKind;
  secret: string;
  stormEnv?: Record<string, string>;
  /** The command of one instance of a cluster joined by Redis (REDIS_URL). */
  clusterCmd?: string[];
}): Target {
  const start = (env: Record<string, string> = {}, cmd = spec.cmd, name = spec.name) =>
    startServer({
      name,
      cmd,
      cwd: PEERS_DIR,
      env: { PORT: "0", JWT_SECRET: spec.secret, NODE_ENV: "production", ...env },
    });
  const prepareUsers = async (count: number) => Array.from({ length: count }, (_, i) => i + 1);
  const { stormEnv, clusterCmd } = spec;
  async function startPeerCluster(instances: number): Promise<ClusterStart> {
    const REDIS_URL = await redisUrl();
    const servers = await Promise.all(
      // Each instance numbers its own events: a prefix keeps their ids apart.
      Array.from({ length: instances }, (_, i) => start({ REDIS_URL, EVENT_ID_PREFIX: `${i + 1}-` }, clusterCmd, `${spec.name} #${i + 1}`)),
    );
    return { servers, prepareUsers, prepareAdmin: async () => ADMIN_ID };
  }

  return {
    name: spec.name,
    description: spec.description,
    streams: spec.streams,
    start: () => start(),
    ...(stormEnv ? { startForStorm: () => start(stormEnv) } : {}),
    ...(clusterCmd ? { startCluster: (instances: number) => startPeerCluster(instances) } : {}),
    prepareUsers: (_server, count) => prepareUsers(count),
    prepareAdmin: async () => ADMIN_ID,
    mintToken: (userId, role) => signAccessToken(spec.secret, userId, role),
    dispose: async () => {},
  };
}

export function ceilingTarget(secret: string): Target {
  return peerTarget({
    name: "ceiling",
    description: "raw Bun.serve, the same wire work per play, no framework, no persistence",
    cmd: leashed("bun", join(PEERS_DIR, "ceiling.ts")),
    streams: "ws",
    secret,
  });
}

export function nodeWsTarget(secret: string): Target {
  return peerTarget({
    name: "node-ws",
    description: "Node node:http + ws, fan-out by looping over each socket in JavaScript",
    cmd: leashed("node", join(PEERS_DIR, "node-ws.mjs")),
    streams: "ws",
    secret,
  });
}

export function socketIoTarget(secret: string): Target {
  return peerTarget({
    name: "socket.io",
    description: "Node node:http + Socket.IO 4, rooms user:<id> and monitor",
    cmd: leashed("node", join(PEERS_DIR, "socketio.mjs")),
    streams: "socketio",
    secret,
    // Only in the storm: recovery adds an offset to every packet, which the other scenarios do not measure.
    stormEnv: { SOCKETIO_RECOVERY: "1" },
    clusterCmd: leashed("node", join(PEERS_DIR, "socketio-redis.mjs")),
  });
}
