/**
 * Our server (src/index.ts), run as `bun src/index.ts` on a SQLite file in a temporary
 * directory that outlives restarts within one harness run, so users are created once.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signAccessToken } from "../lib/jwt.mjs";
import { inBatches } from "../lib/pool.ts";
import { leashed, startServer, type ServerProcess } from "../lib/proc.ts";
import { redisUrl, sharedPostgresDatabase } from "../lib/services.ts";
import type { Target } from "./target.ts";

const ROOT = join(import.meta.dir, "..", "..");
const ENTRY = join(ROOT, "src", "index.ts");
const ADMIN = { username: "bench_admin", password: "bench-admin-password" };
const PLAYER_PASSWORD = "bench-player-password";
/** Each signup hashes a password; on 2 cores more at once only queues. */
const SIGNUP_CONCURRENCY = 2;
const UNLIMITED = "1000000000";

export function isOursAvailable(): boolean {
  return existsSync(ENTRY);
}

interface TokenResponse {
  access_token: string;
  user: { id: number; role: string };
}

/** Our server's environment for the bench, on `databaseUrl`, plus `extra` (e.g. REDIS_URL). */
export function oursEnv(secret: string, databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    JWT_TTL_SECONDS: "3600",
    INITIAL_BALANCE: UNLIMITED,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    // A benchmark user plays far beyond a person's pace, and all users sign up from one
    // address: lift the per-user play limit and the per-address account limit.
    PLAY_RATE_PER_SECOND: UNLIMITED,
    PLAY_BURST: UNLIMITED,
    AUTH_RATE_PER_MINUTE: UNLIMITED,
    AUTH_BURST: UNLIMITED,
    // Every socket comes from one address, and the idle and monitor sockets from few
    // users: lift the socket caps (the peers have none).
    WS_MAX_SOCKETS_PER_USER: UNLIMITED,
    WS_MAX_SOCKETS_PER_ADDRESS: UNLIMITED,
    // ...and how fast they may open (a storm reconnects hundreds at once), and what resumes replay.
    WS_USER_OPENS_PER_MINUTE: UNLIMITED,
    WS_USER_OPEN_BURST: UNLIMITED,
    WS_ADDRESS_OPENS_PER_MINUTE: UNLIMITED,
    WS_ADDRESS_OPEN_BURST: UNLIMITED,
    RESUME_BUDGET_EVENTS: UNLIMITED,
    // The peers write nothing per request either.
    LOG_LEVEL: "warn",
    // Only signups and logins hash passwords; none is measured, so make them cheap.
    PASSWORD_MEMORY_KIB: "1024",
    ...extra,
  };
}

/** Starts one server of ours with `env`; `bunFlags` go to Bun itself (e.g. --cpu-prof). */
export function startOurs(env: Record<string, string>, name = "ours", bunFlags: string[] = []): Promise<ServerProcess> {
  const [runtime, ...rest] = leashed("bun", ENTRY);
  return startServer({ name, cmd: [runtime!, ...bunFlags, ...rest], cwd: ROOT, timeoutMs: 30_000, env });
}

async function authRequest(server: ServerProcess, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
}

async function expectToken(response: Response, what: string): Promise<TokenResponse> {
  if (!response.ok) throw new Error(`${what}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as TokenResponse;
}

async function signUpOrLogIn(server: ServerProcess, username: string, password: string): Promise<TokenResponse> {
  const signup = await authRequest(server, "/api/auth/signup", { username, password });
  if (signup.status !== 409) return expectToken(signup, `signup ${username}`);
  return expectToken(await authRequest(server, "/api/auth/login", { username, password }), `login ${username}`);
}

/**
 * The users of one database: created through the API on first need and remembered, so the
 * same ids come back on every later call, also across restarts of the server.
 */
export function oursAccounts(secret: string) {
  const userIds: number[] = [];
  return {
    async prepareUsers(server: ServerProcess, count: number): Promise<number[]> {
      const missing = count - userIds.length;
      if (missing > 0) {
        const created: number[] = new Array(missing);
        const offset = userIds.length;
        const errors = await inBatches(missing, SIGNUP_CONCURRENCY, async (i) => {
          const { user } = await signUpOrLogIn(server, `bench_${offset + i}`, PLAYER_PASSWORD);
          created[i] = user.id;
        });
        if (errors.length > 0) throw new Error(`${errors.length} of ${missing} users could not be prepared: ${String(errors[0])}`);
        userIds.push(...created);
      }
      return userIds.slice(0, count);
    },

    async prepareAdmin(server: ServerProcess): Promise<number> {
      const login = await expectToken(await authRequest(server, "/api/auth/login", ADMIN), "admin login");
      if (login.user.role !== "admin") throw new Error(`ADMIN_USERNAME did not make ${ADMIN.username} an admin`);
      // The harness signs its own tokens (no login per socket); make sure the server takes them.
      const me = await fetch(`${server.url}/api/auth/me`, {
        headers: { authorization: `Bearer ${signAccessToken(secret, login.user.id, "admin")}` },
        signal: AbortSignal.timeout(15_000),
      });
      if (!me.ok) throw new Error(`our server refuses the harness's tokens: GET /api/auth/me → ${me.status} ${await me.text()}`);
      return login.user.id;
    },

    forget(): void {
      userIds.length = 0;
    },
  };
}

export function oursTarget(secret: string): Target {
  let dataDir: string | undefined;
  const accounts = oursAccounts(secret);
  // The cluster's own users, on the run's PostgreSQL database (bench/lib/services.ts).
  const clusterAccounts = oursAccounts(secret);

  return {
    name: "ours",
    description: "src/index.ts: Elysia, SQLite ledger, hub + memory broker",
    streams: "ws",

    async start() {
      dataDir ??= await mkdtemp(join(tmpdir(), "bench-ours-"));
      return startOurs(oursEnv(secret, `sqlite://${join(dataDir, "bench.sqlite")}`));
    },

    prepareUsers: (server, count) => accounts.prepareUsers(server, count),
    prepareAdmin: (server) => accounts.prepareAdmin(server),
    mintToken: (userId, role) => signAccessToken(secret, userId, role),

    // Resuming with `?since=` is part of the server: the same start.
    startForStorm() {
      return this.start();
    },

    // Every instance on one PostgreSQL database; more than one: joined by Redis.
    async startCluster(instances) {
      const databaseUrl = await sharedPostgresDatabase();
      const extra: Record<string, string> = instances > 1 ? { REDIS_URL: await redisUrl() } : {};
      const servers: ServerProcess[] = [];
      try {
        // One after the other: the first applies the migrations on a fresh database.
        for (let i = 0; i < instances; i++) servers.push(await startOurs(oursEnv(secret, databaseUrl, extra), `ours #${i + 1}`));
      } catch (error) {
        await Promise.all(servers.map((server) => server.stop()));
        throw error;
      }
      return {
        servers,
        prepareUsers: (count) => clusterAccounts.prepareUsers(servers[0]!, count),
        prepareAdmin: () => clusterAccounts.prepareAdmin(servers[0]!),
      };
    },

    async dispose() {
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      dataDir = undefined;
      accounts.forget();
      clusterAccounts.forget();
    },
  };
}
