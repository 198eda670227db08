/**
 * Each dependency of a cluster instance (PostgreSQL, Redis) killed at each stage of its life,
 * on a real `bun src/index.ts` with both configured: down when it starts, killed while it
 * starts (with `/ready` probed every 10 ms, as load balancers do), killed while plays run and
 * sockets stream and resume, and killed while it drains after SIGTERM.
 *
 * Until the dependency is back, the instance stays up; then `/ready` answers 200 and a play and
 * its `game_event` work again, on this instance and across Redis on a peer: it heals without a
 * restart. A drain that loses a dependency still ends with exit 0 within the drain time. Nothing
 * but the server's own log lines ever reaches its stderr (no unhandled rejection, no stack).
 *
 * One Redis and one database for the file; one instance under test per case, and a peer
 * instance that lives through every case (and must stay up too).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test';
import Redis from 'ioredis';
import { SQL } from 'bun';
import { MIGRATION_LOCK } from '../../src/storage';
import { api } from '../support/client';
import { eventually } from '../support/cluster';
import { FIRST_USE_TIMEOUT_MS, freshPostgresUrl, postgresCluster, type PostgresCluster } from '../support/postgres';
import { freePort } from '../support/ports';
import { launchServer, type LaunchedServer } from '../support/process';
import { startTestRedis, type TestRedis } from '../support/redis';
import { ADMIN_AND_LIMITS, type TestEnv } from '../support/server';
import { openMonitor, openSocket, openUserSocket, type TestSocket } from '../support/socket';
import { closer, waitUntil } from '../support/streams';

/** The drain the instances get after SIGTERM; a drain that loses a dependency must still end within it (and its closing steps). */
const GRACE_MS = 1000;
/** What closing the hub, the broker and the database may add to the drain: far below a supervisor's kill (Kubernetes: 30 s). */
const CLOSING_MS = 4000;

let redis: TestRedis;
let postgres: PostgresCluster;
let databaseUrl: string;
let peer: LaunchedServer & { url: string };
const sockets = closer();
const launched: LaunchedServer[] = [];

const isRunning = (server: LaunchedServer) => server.proc.exitCode === null && server.proc.signalCode === null;

function instanceEnv(port = freePort()): TestEnv {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    ...ADMIN_AND_LIMITS,
    LOG_LEVEL: 'warn',
    WS_MAX_SOCKETS_PER_ADDRESS: '1000',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    PORT: String(port),
  };
}

/** An instance under test on a port known before it listens; killed after the test whatever happens. */
function launch(): LaunchedServer & { url: string } {
  const port = freePort();
  // info: its request lines show when /ready answered what (readyBeforeStarted).
  const server = launchServer({ ...instanceEnv(port), LOG_LEVEL: 'info' });
  launched.push(server);
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/** The end of what the instance printed: shown when an assertion about it fails. */
const tail = (server: LaunchedServer) => server.output().split('\n').slice(-25).join('\n');

/** What reached stderr that is not one of the server's JSON log lines: a stack, an unhandled rejection, ioredis's "Unhandled error event". */
function foreignStderr(server: LaunchedServer): string[] {
  return server
    .stderr()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        return typeof JSON.parse(line).level !== 'string';
      } catch {
        return true;
      }
    });
}

/**
 * `/ready` requests the instance answered 200 before it said it listens (its request lines and
 * that line share stdout, so their order is the instance's own): a balancer would have sent
 * plays to an instance whose hub and presence had not started.
 */
function readyBeforeStarted(server: LaunchedServer): string[] {
  const lines = server.output().split('\n');
  const started = lines.findIndex((line) => line.includes('listening on'));
  return lines.slice(0, started === -1 ? lines.length : started).filter((line) => line.includes('"route":"/ready"') && line.includes('"status":200'));
}

/** `/ready` every 10 ms from now on, as a load balancer probes an instance it may put into rotation; 0 when nothing answered. */
function probeReady(url: string) {
  const statuses: number[] = [];
  let isProbing = true;
  const probing = (async () => {
    while (isProbing) {
      statuses.push(await fetch(`${url}/ready`).then((answer) => answer.status, () => 0));
      await Bun.sleep(10);
    }
  })();
  return {
    statuses,
    async stop() {
      isProbing = false;
      await probing;
    },
  };
}

type Dependency = {
  name: 'PostgreSQL' | 'Redis';
  /** How the instance's log line says what its start-up waits for. */
  waitingLine: string;
  kill(): Promise<void>;
  revive(): Promise<void>;
  /**
   * Makes an instance launched after it hang in its start-up on this dependency, so that a kill
   * lands inside the start; resolves once it hangs there. `afterKill` lets go of what held it.
   */
  hangStartup(launch: () => LaunchedServer & { url: string }): Promise<{ server: LaunchedServer & { url: string }; afterKill(): Promise<void> }>;
  /** Makes what a drain still sends to this dependency wait on it (`userId`'s plays in flight, the presence sweep), so that a kill lands while the drain waits. */
  hangDrain(userId: number): Promise<{ afterKill(): Promise<void> }>;
};

/** Pauses every client's commands on the test Redis (the connection that asks is let go at once). */
async function pauseRedis(): Promise<void> {
  const admin = new Redis(redis.url);
  try {
    await admin.call('CLIENT', 'PAUSE', '20000', 'ALL');
  } finally {
    admin.disconnect();
  }
}

const dependencies: Dependency[] = [
  {
    name: 'PostgreSQL',
    waitingLine: 'start-up waiting for the database (DATABASE_URL)',
    // immediate: every server process ends at once, as in a crash (the next start recovers).
    kill: () => postgres.stop('immediate'),
    revive: () => postgres.start(),
    // The migration lock held by the test: the instance waits for it in its first migration transaction.
    async hangStartup(launch) {
      const holder = new SQL(databaseUrl, { max: 1 });
      await holder`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
      const server = launch();
      await eventually(
        async () => Number((await holder`SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)[0].waiting),
        (waiting) => waiting > 0,
        'the instance waiting for the migration lock',
      );
      // Held until the kill, which ends this connection too: its close may then fail, no concern here.
      return { server, afterKill: () => holder.close().catch(() => {}) };
    },
    // The user's account row locked by the test: the play in flight waits for it, and so does the drain.
    async hangDrain(userId) {
      const holder = new SQL(databaseUrl, { max: 1 });
      const locked = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const transaction = holder
        .begin(async (tx) => {
          await tx`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
          locked.resolve();
          await release.promise;
        })
        .catch(() => {}); // ended by the kill
      await locked.promise;
      return {
        async afterKill() {
          release.resolve();
          await transaction;
          await holder.close().catch(() => {});
        },
      };
    },
  },
  {
    name: 'Redis',
    waitingLine: 'start-up waiting for Redis (REDIS_URL)',
    kill: () => redis.stop(),
    revive: () => redis.start(),
    // Paused: the instance waits for Redis's first answer, to the check of the settings every
    // instance must share (before it opens the database or listens: a refused instance never serves).
    async hangStartup(launch) {
      await pauseRedis();
      const server = launch();
      await eventually(async () => server.output().includes('start-up: checking the settings'), Boolean, 'the instance start-up waiting on Redis');
      await Bun.sleep(200); // its first command sent, and held by the pause
      expect(server.output()).not.toContain('listening on');
      return { server, afterKill: async () => {} };
    },
    // Paused: the presence sweep the drain sends (and any publish) is in flight when Redis dies.
    async hangDrain() {
      await pauseRedis();
      return { afterKill: async () => {} };
    },
  },
];

/**
 * Healed: `/ready` answers 200, and a new user's play is answered and its game_event reaches a
 * socket here and one on the peer (which only Redis carries there).
 */
async function expectHealed(server: LaunchedServer & { url: string }, dependency: Dependency, watchers: TestSocket[] = []): Promise<void> {
  await eventually(() => fetch(`${server.url}/ready`).then((answer) => answer.status, () => 0), (status) => status === 200, `/ready 200 once ${dependency.name} is back`, 15_000);
  const client = api(server.url);
  const user = await client.signup();
  const here = sockets.track(await openUserSocket(server.url, user.access_token));
  const there = sockets.track(await openUserSocket(peer.url, user.access_token));
  const play = await client.play(user.access_token, 'slot', { bet: 1 });
  expect(play.status).toBe(200);
  const isThePlay = (message: { type: string; event_id?: string }) => message.type === 'game_event' && message.event_id === play.json.event_id;
  for (const socket of [here, there, ...watchers]) await socket.next(isThePlay, 10_000);
  expect(isRunning(server), tail(server)).toBe(true);
  expect(isRunning(peer)).toBe(true);
}

/**
 * The end of a start-up case: with the dependency back, the instance finishes starting by itself
 * and heals, it never answered /ready 200 before it had started, and printed nothing foreign.
 */
async function comesUpOnceBack(server: LaunchedServer & { url: string }, dependency: Dependency): Promise<void> {
  await dependency.revive();
  await server.listening(15_000);
  await expectHealed(server, dependency);
  expect(readyBeforeStarted(server)).toEqual([]);
  expect(foreignStderr(server)).toEqual([]);
}

/**
 * What an instance serves in steady state: a player's plays back to back (with a socket of
 * their own open), and sockets reconnecting with `since=` over and over: by turns the player's
 * (a replay read from the database) and a second user's, whose only socket each one is (so each
 * opens and closes their presence in Redis). Plays and resumes may fail during the outage; none
 * may end the process.
 */
type Player = { token: string; userId: number };
function steadyLoad(url: string, player: Player, flapper: Player) {
  const client = api(url);
  const statuses: number[] = [];
  let lastSeq = 0;
  let isRunningLoad = true;
  const plays = (async () => {
    while (isRunningLoad) {
      const play = await client.play(player.token, 'slot', { bet: 1 }).catch(() => undefined);
      statuses.push(play?.status ?? 0);
      if (play?.status === 200) lastSeq = Number(String(play.json.event_id).split('-')[1]);
      else await Bun.sleep(20);
    }
  })();
  let resumes = 0;
  const resuming = (async () => {
    while (isRunningLoad) {
      const isPlayer = resumes % 2 === 0;
      const { token, userId } = isPlayer ? player : flapper;
      const socket = openSocket(url, '/api/games/ws', { token, query: { since: `${userId}-${isPlayer ? Math.max(0, lastSeq - 3) : 0}` } });
      socket.opened.catch(() => {}); // refused once the instance drains
      await Promise.race([socket.next('ws_ack', 2000).then(() => Bun.sleep(30)), socket.closed]).catch(() => {});
      socket.close();
      await Promise.race([socket.closed, Bun.sleep(500)]);
      resumes++;
    }
  })();
  return {
    statuses,
    resumes: () => resumes,
    async stop() {
      isRunningLoad = false;
      await Promise.all([plays, resuming]);
    },
  };
}

/** A player and a second user of `url`, and the admin's token. */
async function people(url: string): Promise<{ player: Player; flapper: Player; adminToken: string }> {
  const client = api(url);
  const [player, flapper, admin] = await Promise.all([client.signup(), client.signup(), client.loginAdmin()]);
  return {
    player: { token: player.access_token, userId: player.user.id },
    flapper: { token: flapper.access_token, userId: flapper.user.id },
    adminToken: admin.access_token,
  };
}

beforeAll(async () => {
  [redis, databaseUrl, postgres] = await Promise.all([startTestRedis(), freshPostgresUrl(), postgresCluster()]);
  const server = launchServer(instanceEnv());
  peer = { ...server, url: await server.listening(20_000) };
}, FIRST_USE_TIMEOUT_MS);

afterEach(async () => {
  sockets.closeAll();
  for (const server of launched.splice(0)) {
    if (isRunning(server)) server.proc.kill('SIGKILL');
    await server.proc.exited;
  }
  // Whatever a test left down is up again for the next.
  await postgres.start();
  if (!redis.isRunning()) await redis.start();
});

afterAll(async () => {
  peer?.proc.kill('SIGKILL');
  await peer?.proc.exited;
  await postgres?.start();
  await redis?.close();
  expect(peer ? foreignStderr(peer) : []).toEqual([]);
});

describe.each(dependencies.map((dependency) => [dependency.name, dependency] as const))('%s killed', (_name, dependency) => {
  it('before the instance starts: it waits, comes up once the dependency is back, and serves plays', async () => {
    await dependency.kill();
    const server = launch();
    const probe = probeReady(server.url);
    try {
      await Bun.sleep(1500);
      expect(isRunning(server), tail(server)).toBe(true);
      expect(server.output()).toContain(`"msg":"${dependency.waitingLine}"`);
      expect(probe.statuses.filter((status) => status === 200)).toEqual([]);
      await comesUpOnceBack(server, dependency);
    } finally {
      await probe.stop();
    }
  }, 30_000);

  it('while the instance starts, probed every 10 ms: it stays up and comes up once the dependency is back', async () => {
    const { server, afterKill } = await dependency.hangStartup(launch);
    const probe = probeReady(server.url);
    try {
      await dependency.kill();
      await afterKill();
      await Bun.sleep(700);
      expect(isRunning(server), tail(server)).toBe(true);
      await comesUpOnceBack(server, dependency);
    } finally {
      await probe.stop();
    }
  }, 30_000);

  it('while plays run, sockets stream and resume with since=, and monitors watch: it stays up and heals without a restart', async () => {
    const server = launch();
    await server.listening(15_000);
    const client = api(server.url);
    const { player, flapper, adminToken } = await people(server.url);
    const live = sockets.track(await openUserSocket(server.url, player.token));
    const monitor = sockets.track((await openMonitor(server.url, adminToken)).socket);
    const peerMonitor = sockets.track((await openMonitor(peer.url, adminToken)).socket);
    const load = steadyLoad(server.url, player, flapper);
    try {
      await waitUntil(() => load.statuses.filter((status) => status === 200).length >= 5 && load.resumes() >= 2, 'plays and resumes before the fault', 10_000);
      await dependency.kill();
      const resumesBefore = load.resumes();
      // The instances exited about 1 s after PostgreSQL stopped, as sockets resumed.
      await waitUntil(() => load.resumes() >= resumesBefore + 3, 'resumes during the outage', 10_000);
      await Bun.sleep(500);
      expect(isRunning(server), tail(server)).toBe(true);
      await dependency.revive();
      await expectHealed(server, dependency, [monitor, peerMonitor]);
      // The socket opened before the fault is still live: the user's next play reaches it.
      const play = await client.play(player.token, 'slot', { bet: 1 });
      expect(play.status).toBe(200);
      await live.next((message) => message.type === 'game_event' && message.event_id === play.json.event_id, 10_000);
    } finally {
      await load.stop();
    }
    expect(foreignStderr(server)).toEqual([]);
  }, 30_000);

  it('while the instance drains after SIGTERM, waiting on it: it still exits 0 within the drain time', async () => {
    const server = launch();
    await server.listening(15_000);
    const { player, flapper, adminToken } = await people(server.url);
    sockets.track(await openUserSocket(server.url, player.token));
    sockets.track((await openMonitor(server.url, adminToken)).socket);
    const load = steadyLoad(server.url, player, flapper);
    try {
      await waitUntil(() => load.statuses.filter((status) => status === 200).length >= 5, 'plays before the drain', 10_000);
      const hung = await dependency.hangDrain(player.userId);
      const signalled = Date.now();
      server.proc.kill('SIGTERM');
      await waitUntil(() => server.output().includes('shutting down'), 'the drain to begin', 5000);
      await Bun.sleep(300); // past the requests' end: the drain now waits on the dependency
      await dependency.kill();
      await hung.afterKill();
      const exitCode = await Promise.race([server.proc.exited, Bun.sleep(GRACE_MS + CLOSING_MS).then(() => 'still running')]);
      const isWithin = Date.now() - signalled <= GRACE_MS + CLOSING_MS;
      expect({ exitCode, signal: server.proc.signalCode, isWithin }, tail(server)).toEqual({ exitCode: 0, signal: null, isWithin: true });
      expect(server.output()).toContain('"msg":"stopped"');
    } finally {
      await load.stop();
    }
    expect(foreignStderr(server)).toEqual([]);
    await dependency.revive();
    expect(isRunning(peer)).toBe(true);
  }, 30_000);
});
