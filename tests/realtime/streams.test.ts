import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { api, GAME_NAMES, type Api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';

let server: TestServer;
let client: Api;
const sockets: TestSocket[] = [];
const track = <T extends TestSocket>(socket: T) => (sockets.push(socket), socket);

beforeAll(async () => {
  server = await startTestServer();
  client = api(server.url);
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await server.close();
});

describe('user stream', () => {
  it("delivers a user's slot spin as a game_event", async () => {
    const user = await client.signup();
    const socket = track(await openUserSocket(server.url, user.access_token));
    const play = await client.play(user.access_token, 'slot', { bet: 5 });
    expect(play.status).toBe(200);
    const event = await socket.next('game_event');
    expect(event).toMatchObject({ type: 'game_event', v: 1, game_type: 'slot', user_id: user.user.id, bet: 5, event_id: play.json.event_id });
    expect(event.result).toEqual(play.json.result);
    expect(event.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(socket.schemaViolations).toEqual([]);
  });

  it('acks with the user id and the seconds left on the token', async () => {
    const user = await client.signup();
    const socket = track(await openUserSocket(server.url, user.access_token));
    const ack = socket.received[0]!;
    expect(ack).toMatchObject({ type: 'ws_ack', v: 1, user_id: user.user.id });
    expect(ack.expires_in).toBeGreaterThan(server.config.JWT_TTL_SECONDS - 5);
    expect(ack.expires_in).toBeLessThanOrEqual(server.config.JWT_TTL_SECONDS);
  });

  for (const game of GAME_NAMES) {
    it(`sends a ${game} event to both of the player's sockets and to no other user`, async () => {
      const player = await client.signup();
      const bystander = await client.signup();
      const first = track(await openUserSocket(server.url, player.access_token));
      const second = track(await openUserSocket(server.url, player.access_token));
      const other = track(await openUserSocket(server.url, bystander.access_token));

      const play = await client.play(player.access_token, game, { bet: 2 });
      expect(play.status).toBe(200);
      expect(play.json).toMatchObject({ game_type: game, bet: 2 });
      const [a, b] = await Promise.all([first.next('game_event'), second.next('game_event')]);
      expect(a.event_id).toBe(play.json.event_id);
      expect(b).toEqual(a);
      expect(a.result.payout).toBe(play.json.result.payout);
      expect(play.json.balance).toBeCloseTo(1000 - 2 + a.result.payout, 2);

      // The bystander's own play is its first game_event: the player's never reached it.
      const own = await client.play(bystander.access_token, 'slot', { bet: 1 });
      const seen = await other.next('game_event');
      expect(seen.event_id).toBe(own.json.event_id);
      expect(other.all('game_event').every((m) => m.user_id === bystander.user.id)).toBe(true);
    });
  }

  it('sends balance_update after each play with the balance, delta and event id', async () => {
    const user = await client.signup();
    const socket = track(await openUserSocket(server.url, user.access_token));
    const play = await client.play(user.access_token, 'gacha', { bet: 3 });
    const update = await socket.next('balance_update');
    expect(update).toMatchObject({
      user_id: user.user.id,
      balance: play.json.balance,
      reason: 'gacha',
      event_id: play.json.event_id,
    });
    expect(update.delta).toBeCloseTo(play.json.result.payout - 3, 2);
  });
});

describe('monitor stream', () => {
  it('sends the initial snapshot to an admin', async () => {
    const admin = await client.loginAdmin();
    const { socket, snapshot } = await openMonitor(server.url, admin.access_token);
    track(socket);
    expect(snapshot).toMatchObject({ type: 'monitor_snapshot', v: 1 });
    expect(Array.isArray(snapshot.connected_user_ids)).toBe(true);
    expect(Array.isArray(snapshot.recent_events)).toBe(true);
  });

  it("lists connected users and recent events oldest first, then streams everyone's events", async () => {
    const alice = await client.signup('alice');
    const bob = await client.signup('bob');
    track(await openUserSocket(server.url, alice.access_token));
    const ids: string[] = [];
    for (const [user, game] of [[alice, 'slot'], [bob, 'rps'], [alice, 'crash']] as const) {
      ids.push((await client.play(user.access_token, game)).json.event_id);
    }
    const admin = await client.loginAdmin();
    const { socket, snapshot } = await openMonitor(server.url, admin.access_token);
    track(socket);
    expect(snapshot.connected_user_ids).toContain(alice.user.id);
    expect(snapshot.connected_user_ids).not.toContain(bob.user.id);
    const recentIds = snapshot.recent_events.map((e: { event_id: string }) => e.event_id);
    // Oldest first by time; events of one millisecond in one order on every instance (by user, then seq).
    expect([...recentIds.slice(-3)].sort()).toEqual([...ids].sort());
    const times = snapshot.recent_events.map((e: { ts: string }) => e.ts);
    expect(times).toEqual([...times].sort());
    expect(recentIds.indexOf(ids[0]!)).toBeLessThan(recentIds.indexOf(ids[2]!));

    const live = await client.play(bob.access_token, 'gacha');
    const event = await socket.next('game_event');
    expect(event).toMatchObject({ event_id: live.json.event_id, user_id: bob.user.id, game_type: 'gacha' });
    expect(socket.schemaViolations).toEqual([]);
  });
});
