/**
 * A socket that cannot keep up is closed with 4002 (API.md) instead of silently missing
 * messages: everything it was sent before the close still reaches it, in order, and it resumes
 * with since; a fast reader of the same stream gets every event.
 *
 * Loopback absorbs megabytes in kernel buffers before the server's own send buffer grows, so
 * the plays are driven through the game service in-process (the same ledger, hub and topics
 * as over HTTP, several times faster) until the server gives up on the slow reader.
 */
import { describe, expect, it } from 'bun:test';
import { slot } from '../../src/games/slot';
import { RawWebSocket } from '../support/raw-socket';
import { openMonitor, openUserSocket } from '../support/socket';
import { allIds, eventIds, probe, waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

const SLOW_BYTES = 16_384;
/** A guard, not a goal: the close comes after roughly 10,000 plays here. */
const MAX_PLAYS = 30_000;

const suite = useServer({ WS_SLOW_BYTES: String(SLOW_BYTES), INITIAL_BALANCE: '1000000', PLAY_RATE_PER_SECOND: '1000000', PLAY_BURST: '1000000' });
const { sockets } = suite;

/** Plays (slot, 0.01) from `lanes` concurrent callers while `keepGoing()`; returns how many. */
async function playWhile(userId: number, keepGoing: () => boolean, lanes = 4): Promise<number> {
  let plays = 0;
  const lane = async () => {
    while (keepGoing()) {
      if (plays >= MAX_PLAYS) throw new Error(`the slow reader was still open after ${plays} plays`);
      await suite.server.app.games.play(userId, slot, { bet: 0.01 }, undefined);
      // Let timers (the registry's sweep) and socket writes run between plays.
      if (++plays % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return plays;
}

describe('a slow reader', () => {
  it('is closed with 4002 while a fast reader gets every event, and resumes with since', async () => {
    const user = await suite.client.signup();
    const userId = user.user.id;
    const admin = await suite.client.loginAdmin();
    const fast = sockets.track(await openUserSocket(suite.server.url, user.access_token));
    const monitor = sockets.track((await openMonitor(suite.server.url, admin.access_token)).socket);
    const slow = sockets.track(await RawWebSocket.open(suite.server.url, '/api/games/ws', { token: user.access_token }));
    await waitUntil(() => slow.messages().some((m) => m.type === 'ws_ack'), 'the slow reader to be acked');
    slow.pause();

    const openSockets = suite.server.app.registry.size;
    const played = await playWhile(userId, () => suite.server.app.registry.size === openSockets);
    // One more after the close: the slow reader cannot have it.
    const last = await suite.client.play(user.access_token, 'slot', { bet: 0.01 });
    const total = played + 1;
    expect(last.json.event_id).toBe(`${userId}-${total}`);

    // The slow reader takes what it was sent, then the close frame.
    slow.resume();
    await slow.ended;
    expect(slow.closeFrame()).toEqual({ code: 4002, reason: 'too slow to keep up' });
    const gotBeforeClose = slow.messages().filter((m) => m.type === 'game_event').map((m) => m.event_id as string);
    expect(gotBeforeClose.length).toBeGreaterThan(0);
    expect(gotBeforeClose.length).toBeLessThan(total);
    expect(gotBeforeClose).toEqual(allIds(userId, gotBeforeClose.length));

    // Everyone else got everything.
    await waitUntil(() => eventIds(fast).length >= total && monitor.all('game_event').length >= total, 'the fast readers to get every event', 15_000);
    expect(eventIds(fast)).toEqual(allIds(userId, total));
    expect(monitor.all('game_event').map((m) => m.event_id)).toEqual(allIds(userId, total));
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    expect([...fast.schemaViolations, ...monitor.schemaViolations]).toEqual([]);

    // Resuming from the last event it saw gives the slow reader exactly the rest.
    const resumed = sockets.track(await openUserSocket(suite.server.url, user.access_token, { since: gotBeforeClose.at(-1)! }));
    const after = await probe(suite.client, user.access_token, resumed);
    expect([...gotBeforeClose, ...eventIds(resumed)]).toEqual(allIds(userId, total + 1));
    expect(after.json.event_id).toBe(`${userId}-${total + 1}`);
  }, 30_000);
});
