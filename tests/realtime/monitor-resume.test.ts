/**
 * A monitor that resumes: every game_event carries a cursor, increasing in the order monitors
 * receive events; `?since=<cursor>` replays every event committed after it (past
 * RECENT_EVENTS), through the monitor's filter, then live ones, none missed or repeated, even
 * with plays landing through the reconnect; past RESUME_MAX_EVENTS, or with a cursor the
 * database has not reached, the socket closes 4006. On both engines.
 */
import { describe, expect, it } from 'bun:test';
import { describeEngines } from '../support/server';
import { openSocket, upgradeStatus, type TestSocket } from '../support/socket';
import { playLoop, waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

const RECENT = 3;
const MAX_REPLAY = 12;

describeEngines('monitor resume on %s', (engine) => {
  const suite = useServer({ RECENT_EVENTS: String(RECENT), RESUME_MAX_EVENTS: String(MAX_REPLAY) }, { engine });
  const { sockets } = suite;
  let adminToken = '';

  async function monitor(query: Record<string, string> = {}): Promise<TestSocket> {
    adminToken ||= (await suite.client.loginAdmin()).access_token;
    const socket = sockets.track(openSocket(suite.server.url, '/api/games/ws/monitor', { token: adminToken, query }));
    return socket;
  }
  /** Every stored event's id after `cursor`, in cursor order, from the database. */
  async function storedAfter(cursor: number): Promise<string[]> {
    const rows = await suite.server.store.sql()`SELECT user_id, seq FROM events WHERE id > ${cursor} ORDER BY id`;
    return rows.map((row: { user_id: unknown; seq: unknown }) => `${Number(row.user_id)}-${Number(row.seq)}`);
  }
  const events = (socket: TestSocket) => [...socket.all('monitor_snapshot').flatMap((s) => s.recent_events), ...socket.all('game_event')];

  it('gives every event an increasing cursor, and replays all missed after one, past RECENT_EVENTS, then live ones', async () => {
    const [alice, bob] = await Promise.all([suite.client.signup('resume'), suite.client.signup('resume')]);
    const first = await monitor();
    await first.next('monitor_snapshot');
    for (let i = 0; i < 3; i++) expect((await suite.client.play(alice.access_token, 'slot')).status).toBe(200);
    await first.waitFor('game_event', 3);
    const cursors = first.all('game_event').map((event) => Number(event.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(new Set(cursors).size).toBe(3);
    const since = cursors.at(-1)!;
    first.close();
    await first.closed;

    // Missed while away: more than the snapshot holds, plays of two users at once.
    await Promise.all(Array.from({ length: 10 }, (_, i) => suite.client.play((i % 2 ? alice : bob).access_token, i % 3 ? 'rps' : 'crash')));
    const missed = await storedAfter(since);
    expect(missed.length).toBe(10);

    const resumed = await monitor({ since: String(since) });
    const snapshot = await resumed.next('monitor_snapshot');
    expect(snapshot.recent_events.map((event: { event_id: string }) => event.event_id)).toEqual(missed);
    expect(snapshot.recent_events.length).toBeGreaterThan(RECENT);
    const live = (await suite.client.play(bob.access_token, 'gacha')).json.event_id;
    expect((await resumed.next('game_event')).event_id).toBe(live);
    expect(resumed.schemaViolations).toEqual([]);
  });

  it('misses and repeats nothing with plays landing through reconnect after reconnect', async () => {
    const players = await Promise.all([suite.client.signup('through'), suite.client.signup('through')]);
    const loops = players.map((player) => playLoop(suite.client, player.access_token, { concurrency: 2 }));
    const seen: { event_id: string; cursor: string }[] = [];
    let start = 0;
    try {
      await waitUntil(() => loops.every((loop) => loop.ids.length >= 2), 'plays under way');
      const first = await monitor();
      const snapshot = await first.next('monitor_snapshot');
      start = Number(snapshot.recent_events.at(-1).cursor);
      let since = start;
      let socket = first;
      for (let round = 0; round < 4; round++) {
        if (round > 0) {
          socket = await monitor({ since: String(since) });
          await socket.next('monitor_snapshot');
        }
        await Bun.sleep(40);
        socket.close();
        await socket.closed;
        const got = round === 0 ? socket.all('game_event') : events(socket);
        seen.push(...got);
        if (got.length > 0) since = Number(got.at(-1)!.cursor);
      }
    } finally {
      await Promise.all(loops.map((loop) => loop.stop()));
    }
    expect(seen.length).toBeGreaterThan(8);
    expect(seen.map((event) => event.event_id)).toEqual((await storedAfter(start)).slice(0, seen.length));
  });

  it('replays through the filter of the resuming monitor', async () => {
    const player = await suite.client.signup('filtered');
    const start = (await suite.client.play(player.access_token, 'slot')).json.event_id;
    const [row] = await suite.server.store.sql()`SELECT id FROM events WHERE user_id = ${player.user.id} AND seq = ${Number(start.split('-')[1])}`;
    const crashes: string[] = [];
    for (const game of ['crash', 'slot', 'crash', 'rps'] as const) {
      const id = (await suite.client.play(player.access_token, game)).json.event_id;
      if (game === 'crash') crashes.push(id);
    }
    const socket = await monitor({ since: String(row.id), games: 'crash', user_id: String(player.user.id) });
    const snapshot = await socket.next('monitor_snapshot');
    expect(snapshot.recent_events.map((event: { event_id: string }) => event.event_id)).toEqual(crashes);
  });

  describe('out of range', () => {
    it('closes 4006 past RESUME_MAX_EVENTS or for a cursor not reached yet, and refuses a malformed one at the upgrade', async () => {
      const player = await suite.client.signup('toofar');
      const [{ latest }] = await suite.server.store.sql()`SELECT MAX(id) AS latest FROM events`;
      for (let i = 0; i < MAX_REPLAY + 1; i++) await suite.client.play(player.access_token, 'slot');
      const tooFar = await monitor({ since: String(Number(latest)) });
      expect((await tooFar.closed).code).toBe(4006);
      expect(tooFar.all('monitor_snapshot')).toEqual([]);
      const ahead = await monitor({ since: String(Number(latest) + 1000) });
      expect((await ahead.closed).code).toBe(4006);
      const justRight = await monitor({ since: String(Number(latest) + 1) });
      expect((await justRight.next('monitor_snapshot')).recent_events).toHaveLength(MAX_REPLAY);
      for (const since of ['x', '-1', '1.5', '9'.repeat(16)]) {
        const refused = await upgradeStatus(suite.server.url, `/api/games/ws/monitor?since=${since}`, { authorization: `Bearer ${adminToken}` });
        expect({ since, status: refused.status, code: refused.body?.error?.code }).toEqual({ since, status: 400, code: 'invalid_cursor' });
      }
    });
  });
});
