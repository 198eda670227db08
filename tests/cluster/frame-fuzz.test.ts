/**
 * Fuzz of the one channel every instance subscribes to: while real plays run on a two-instance
 * cluster, the test writes random bytes, truncated and mutated copies of the instances' own
 * frames, and exact replays of them, straight into Redis. Afterwards (issue 16):
 * - both instances are up, answer /health, and are idle (no gap re-read spinning);
 * - every real event reached every socket that should have it once, with the content the play's
 *   REST answer gave; nothing reached a socket that no instance published;
 * - `games_broker_frames_dropped_total` went up by exactly the frames each instance had to drop.
 * The seed is printed on failure; FUZZ_SEED=<n> replays a run.
 */
import { describe, expect, it } from 'bun:test';
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { eventually, useCluster } from '../support/cluster';
import { total } from '../support/prometheus';
import { GAME_NAMES } from '../support/client';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';

const CHANNEL = 'game-events';
/** The channels every instance takes while it holds a monitor: each user's, and presence. */
const channelsFor = (userIds: number[]) => [`${CHANNEL}:presence`, ...userIds.map((id) => `${CHANNEL}:user:${id}`), `${CHANNEL}:user:999999`];
const FUZZ_MS = 3_000;
const PLAYERS = 4;
const FOREIGN_ORIGIN = '00000000-0000-4000-8000-00000000f022';

const suite = useCluster(2);

/** mulberry32: small, seedable, good enough to pick mutations. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const droppedFrames = (url: string) => total(url, 'games_broker_frames_dropped_total');

/** The instance id a frame names as its origin (its second line). */
const originOf = (frame: string) => frame.split('\n')[1] ?? '';

/** CPU seconds (user + system) the process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * One forged frame. Copies of real frames get a foreign origin first, so every forgery is one
 * that both instances must drop (an instance silently ignores what names its own id: its echo).
 */
function forge(next: () => number, real: string[]): string {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const bytes = (length: number) => Array.from({ length }, () => String.fromCharCode(Math.floor(next() * 256))).join('');
  const foreign = (frame: string) => frame.split('\n').map((line, i) => (i === 1 ? FOREIGN_ORIGIN : line)).join('\n');
  const base = real.length > 0 ? foreign(pick(real)) : `g2\n${FOREIGN_ORIGIN}\n1\nevents\nAAAA\n{}`;
  switch (Math.floor(next() * 8)) {
    case 0:
      return bytes(Math.floor(next() * 300));
    case 1:
      return base.slice(0, Math.floor(next() * base.length));
    case 2: {
      const at = Math.floor(next() * base.length);
      return base.slice(0, at) + String.fromCharCode(base.charCodeAt(at) ^ (1 + Math.floor(next() * 255))) + base.slice(at + 1);
    }
    case 3: {
      const lines = base.split('\n');
      lines[5] = (lines[5] ?? '').replace(/"payout":\d+/, '"payout":999999').replace(/"balance":\d+/, '"balance":99999999');
      return lines.join('\n');
    }
    case 4:
      return `g2\n${FOREIGN_ORIGIN}\n${Math.floor(next() * 1e9)}\n${pick(['events', 'presence', 'monitor', 'user:1', 'user:x', ''])}\n${bytes(43)}\n${pick(['null', '{}', '[]', '"x"', 'not json', '{"type":"game_event"}', '{"type":"presence","user_id":1,"status":"leave"}'])}`;
    case 5:
      return `g1\nforger\n${pick(['presence', 'events', 'monitor'])}\n${pick(['not json', 'null', '{"user_id":1}'])}`;
    case 6:
      return base.split('\n').slice(0, 5).join('\n'); // no message line at all
    default:
      return base + bytes(Math.floor(next() * 20));
  }
}

describe('frames fuzzed on the channel while real plays run', () => {
  it('leave every instance up and idle, real events exact, forgeries dropped and counted', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const context = `FUZZ_SEED=${seed}`;
    const next = random(seed);
    const { cluster, clients, adminToken, sockets } = suite;

    // The instances' real frames, as the fuzzer sees them on the channel.
    const real: string[] = [];
    let fuzzing = false;
    const instanceIds = new Set<string>();
    const listener = new Redis(cluster.redis.url);
    await listener.psubscribe(`${CHANNEL}:*`);
    listener.on('pmessage', (_pattern: string, _channel: string, frame: string) => {
      // Before the fuzz only the instances write; after it, only frames from their ids are theirs.
      if (!fuzzing && /^g2\n[0-9a-f-]{36}\n/.test(frame)) instanceIds.add(originOf(frame));
      if (instanceIds.has(originOf(frame))) real.push(frame);
    });
    const publisher = new Redis(cluster.redis.url);

    const users = await Promise.all(Array.from({ length: PLAYERS }, () => clients[0]!.signup('fuzz')));
    const monitors = await Promise.all(cluster.instances.map(async (instance) => (await openMonitor(instance.url, adminToken)).socket));
    const userSockets = await Promise.all(users.map((user) => Promise.all(cluster.instances.map((instance) => openUserSocket(instance.url, user.access_token)))));
    for (const socket of [...monitors, ...userSockets.flat()]) sockets.track(socket);
    const joined = (monitor: TestSocket) => users.every((user) => monitor.all('presence').some((m) => m.user_id === user.user.id && m.status === 'join'));
    await eventually(async () => monitors.every(joined), Boolean, 'every join at both monitors', 15_000);

    // Plays: each user alternates instances, one play at a time; each answer is what its event must say.
    const answers: any[][] = users.map(() => []);
    let playing = true;
    const plays = users.map(async (user, u) => {
      for (let n = 0; playing; n++) {
        const response = await clients[n % 2]!.play(user.access_token, GAME_NAMES[(n + u) % GAME_NAMES.length]!, { bet: 1 });
        if (response.status !== 200) throw new Error(`play ${n} of user ${u}: ${response.status} ${response.text}`);
        answers[u]!.push(response.json);
      }
    });
    // Which origin is which instance: the frame carrying a user's first event came from the instance that served it (the first).
    const firstEvent = `${users[0]!.user.id}-1`;
    await eventually(async () => real.some((frame) => frame.includes(`"event_id":"${firstEvent}"`)), Boolean, 'the first play on the channel');
    const firstOrigin = originOf(real.find((frame) => frame.includes(`"event_id":"${firstEvent}"`))!);
    await eventually(async () => instanceIds.size, (size) => size === 2, 'frames from both instances');
    fuzzing = true;

    const channels = channelsFor(users.map((user) => user.user.id));
    const dropsBefore = await Promise.all(cluster.instances.map((instance) => droppedFrames(instance.url)));
    let forged = 0;
    const replaysFrom = new Map<string, number>();
    const deadline = Date.now() + FUZZ_MS;
    try {
      while (Date.now() < deadline) {
        const batch: string[] = [];
        for (let i = 0; i < 20; i++) {
          if (next() < 0.25) {
            const frame = real[Math.floor(next() * real.length)]!; // an exact replay of a frame already delivered
            replaysFrom.set(originOf(frame), (replaysFrom.get(originOf(frame)) ?? 0) + 1);
            batch.push(frame);
          } else {
            forged++;
            batch.push(forge(next, real));
          }
        }
        await Promise.all(batch.map((frame) => publisher.publish(channels[Math.floor(next() * channels.length)]!, frame)));
        await Bun.sleep(5);
      }
    } finally {
      playing = false;
      await Promise.allSettled(plays);
      publisher.disconnect();
    }
    await Promise.all(plays);

    // Both up, answering, and each dropped exactly what it had to: every forgery, and the
    // replays of the other instance's frames (a replay of its own frame is its echo, ignored).
    const replays = [...replaysFrom.values()].reduce((sum, count) => sum + count, 0);
    const ownReplays = [replaysFrom.get(firstOrigin) ?? 0, replays - (replaysFrom.get(firstOrigin) ?? 0)];
    for (const [i, instance] of cluster.instances.entries()) {
      expect(instance.proc.exitCode, context).toBeNull();
      expect((await fetch(`${instance.url}/health`)).status, context).toBe(200);
      const expected = dropsBefore[i]! + forged + replays - ownReplays[i]!;
      const dropped = await eventually(() => droppedFrames(instance.url), (count) => count >= expected, `instance ${i} to count ${expected} drops (${context})`).catch(() => droppedFrames(instance.url));
      expect(dropped, context).toBe(expected);
    }

    // Idle afterwards: nothing left spinning on what was forged (a gap re-read loop used half a core).
    const before = cluster.instances.map((instance) => cpuSeconds(instance.proc.pid));
    await Bun.sleep(1_000);
    cluster.instances.forEach((instance, i) => expect(cpuSeconds(instance.proc.pid) - before[i]!, `instance ${i} CPU in an idle second (${context})`).toBeLessThan(0.25));

    const total = answers.reduce((sum, list) => sum + list.length, 0);
    await eventually(async () => monitors.every((m) => m.all('game_event').length >= total) && userSockets.every((own, u) => own.every((s) => s.all('game_event').length >= answers[u]!.length)), Boolean, `every event delivered (${context})`);
    await Bun.sleep(100); // anything extra (a repeat, a forgery let through) would arrive by now

    // Every real event once, in order, as its REST answer said, at both of its user's sockets and at both monitors.
    const all = new Map<string, any>();
    users.forEach((user, u) => {
      const ids = answers[u]!.map((answer) => answer.event_id);
      expect(ids.length, context).toBeGreaterThan(3);
      for (const answer of answers[u]!) all.set(answer.event_id, answer);
      for (const socket of userSockets[u]!) {
        const events = socket.all('game_event');
        expect(events.map((m) => m.event_id), context).toEqual(ids);
        events.forEach((event, n) => {
          const answer = answers[u]![n]!;
          expect([event.user_id, event.game_type, event.bet, event.result.payout], context).toEqual([user.user.id, answer.game_type, answer.bet, answer.result.payout]);
        });
        // Balances are the server's: each one some answer gave, never an invented one.
        const balances = new Set(answers[u]!.map((answer) => answer.balance));
        for (const update of socket.all('balance_update')) expect(balances.has(update.balance), `${context}: balance ${update.balance}`).toBe(true);
        expect(socket.schemaViolations, context).toEqual([]);
      }
    });
    for (const monitor of monitors) {
      const events = monitor.all('game_event');
      expect(events.length, context).toBe(all.size);
      expect(new Set(events.map((m) => m.event_id)).size, context).toBe(events.length);
      for (const event of events) {
        const answer = all.get(event.event_id);
        expect(answer, `${context}: ${event.event_id} was never played`).toBeDefined();
        expect([event.game_type, event.bet, event.result.payout], context).toEqual([answer.game_type, answer.bet, answer.result.payout]);
      }
      const presence = monitor.all('presence').filter((m) => users.some((user) => user.user.id === m.user_id));
      expect(presence.map((m) => m.status), context).toEqual(users.map(() => 'join'));
      expect(monitor.schemaViolations, context).toEqual([]);
    }
    listener.disconnect();
  }, 60_000);
});
