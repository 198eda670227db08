/**
 * Helpers for delivery tests: sockets closed after each test, the event ids a socket saw, the
 * ids a user should have, and plays kept landing in the background while a test does other
 * things.
 */
import type { Api, GameName } from './client';
import type { TestSocket } from './socket';

/** Things a test opened; `closeAll()` in afterEach closes them whatever happened. */
export function closer() {
  let open: { close(): unknown }[] = [];
  return {
    track<T extends { close(): unknown }>(thing: T): T {
      open.push(thing);
      return thing;
    },
    closeAll(): void {
      for (const thing of open) thing.close();
      open = [];
    },
  };
}

/** The event ids of the game_events a socket received, in arrival order. */
export const eventIds = (socket: TestSocket): string[] => socket.all('game_event').map((m) => m.event_id as string);

/** Every event id a user has after `count` plays: "<id>-1" … "<id>-<count>". */
export const allIds = (userId: number, count: number): string[] => Array.from({ length: count }, (_, i) => `${userId}-${i + 1}`);

/** Polls `condition` every 5 ms until it holds; throws `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

export type PlayLoop = {
  /** Event ids of the plays answered 200 so far. */
  readonly ids: string[];
  /** Stops starting plays, waits for those under way; every status seen other than 200 throws. */
  stop(): Promise<string[]>;
};

/** Keeps `concurrency` plays of one user in flight, one after another, until `stop()`. */
export function playLoop(client: Api, token: string, options: { concurrency?: number; game?: GameName; bet?: number } = {}): PlayLoop {
  const ids: string[] = [];
  const failures: string[] = [];
  let isStopped = false;
  const lane = async () => {
    while (!isStopped) {
      const play = await client.play(token, options.game ?? 'slot', { bet: options.bet ?? 1 });
      if (play.status === 200) ids.push(play.json.event_id);
      else failures.push(`${play.status} ${play.text}`);
    }
  };
  const lanes = Array.from({ length: options.concurrency ?? 1 }, lane);
  return {
    ids,
    async stop() {
      isStopped = true;
      await Promise.all(lanes);
      if (failures.length > 0) throw new Error(`plays failed: ${failures.slice(0, 3).join('; ')}`);
      return ids;
    },
  };
}

/**
 * Plays a probe (slot, 0.01) and waits for its game_event on `socket`. A user's events arrive in
 * order, so once the probe is in, everything published before it is in too: what a test
 * counts after this is final. Returns the probe's play response.
 */
export async function probe(client: Api, token: string, socket: TestSocket) {
  const play = await client.play(token, 'slot', { bet: 0.01 });
  if (play.status !== 200) throw new Error(`probe play failed: ${play.status} ${play.text}`);
  await socket.next((m) => m.type === 'game_event' && m.event_id === play.json.event_id);
  return play;
}
