/**
 * The typed client's back office against a real server: every admin route answers a checked,
 * typed value, and a player's stream reconnects after an admin's disconnect (4004) but stops
 * for good when the account is blocked (4003).
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { ApiError, GameClient, GameStream, realScheduler } from '../../client';
import { ADMIN, startTestServer, type TestServer } from '../support/server';
import { record } from './recorder';

let server: TestServer;
let admin: GameClient;
const PASSWORD = 'correct-horse-battery';
const noWait = { ...realScheduler, random: () => 0 };
let counter = 0;

beforeAll(async () => {
  server = await startTestServer();
  admin = new GameClient(server.url);
  await admin.login(ADMIN.username, ADMIN.password);
});
afterAll(() => server.close());

async function player(): Promise<GameClient> {
  const client = new GameClient(server.url);
  await client.signup(`client_admin_${process.pid}_${++counter}`, PASSWORD);
  return client;
}

describe('GameClient, as an admin', () => {
  it('reads and acts through every back-office route', async () => {
    const bob = await player();
    await bob.slot({ bet: 2 });
    const id = bob.user!.id;
    expect((await admin.stats({ game_type: 'slot' })).games.slot!.plays).toBe(1);
    expect((await admin.users({ q: bob.user!.username })).map((u) => u.id)).toEqual([id]);
    expect((await admin.users({ ids: [id] }))[0]!.status).toBe('active');
    const adjusted = await admin.adjust(id, 10, 'welcome', { idempotencyKey: `welcome-${id}` });
    expect((await admin.adjust(id, 10, 'welcome', { idempotencyKey: `welcome-${id}` })).adjustment_id).toBe(adjusted.adjustment_id);
    expect((await admin.block(id, 'test')).status).toBe('blocked');
    expect((await admin.unblock(id, 'test')).status).toBe('active');
    expect(await admin.disconnect(id, 'test')).toBe(0);
    const profile = await admin.profile(id);
    expect([profile.user.balance, profile.recent_events.length, profile.audit.map((entry) => entry.action)]).toEqual([adjusted.user.balance, 1, ['disconnect', 'unblock', 'block', 'adjust']]);
    expect((await admin.audit({ user_id: id, limit: 2 })).entries.map((entry) => entry.action)).toEqual(['disconnect', 'unblock']);
    expect((await admin.cluster()).instances).toHaveLength(1);
    const refused = await bob.stats().catch((error: unknown) => error);
    expect(refused instanceof ApiError && [refused.status, refused.code]).toEqual([403, 'forbidden']);
  });
});

describe("a player's stream and the admin", () => {
  it('reconnects after a disconnect (4004), resuming with since, and stops for good on a block (4003)', async () => {
    const carol = await player();
    let connections = 0;
    const stream = new GameStream({ url: server.url, getToken: () => (connections++, carol.getToken()), scheduler: noWait });
    const seen = record(stream);
    try {
      await seen.until(() => stream.state === 'open', 'the stream to open');
      const first = (await carol.slot({ bet: 1 })).event_id;
      await seen.until(() => seen.eventIds().length === 1, 'the first event');

      expect(await admin.disconnect(carol.user!.id, 'reset')).toBe(1);
      await seen.until(() => seen.count('ws_ack') === 2, 'the reconnect after 4004');
      const second = (await carol.slot({ bet: 1 })).event_id;
      await seen.until(() => seen.eventIds().length === 2, 'the event after the reconnect');
      expect(seen.eventIds()).toEqual([first, second]);
      expect(seen.disconnects.map((d) => d.code)).toEqual([4004]);

      await admin.block(carol.user!.id, 'abuse');
      expect((await stream.done).code).toBe(4003);
      await Bun.sleep(100);
      expect(seen.fatal.map((f) => f.code)).toEqual([4003]);
      expect(stream.state).toBe('closed');
      expect(connections).toBe(2);
    } finally {
      stream.close();
    }
  });
});
