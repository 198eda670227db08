/**
 * The versioned wire format (API.md, "WebSocket streams"): the TypeBox schemas in
 * src/realtime/events.ts are the one definition. They must be strict enough to refuse a wrong
 * message, and every message a real server sends, of every type, must pass them.
 */
import { describe, expect, it } from 'bun:test';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ServerMessage } from '../../client/protocol/messages';
import { messages } from '../../src/realtime/events';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { useServer } from '../support/suite';

const TS = '2025-08-16T12:34:56.789Z';
const event = { event_id: '7-1', game_type: 'slot', user_id: 7, bet: 10, result: { reels: ['a', 'b', 'c'], payout: 0 }, ts: TS } as const;

/** One message of each type, as the builders make them. */
const examples: Record<string, Record<string, unknown>> = {
  ws_ack: JSON.parse(messages.wsAck(7, 900)),
  game_event: JSON.parse(messages.gameEvent(event)),
  balance_update: JSON.parse(messages.balanceUpdate({ user_id: 7, balance: 990, delta: -10, reason: 'slot', event_id: '7-1', ts: TS })),
  monitor_snapshot: JSON.parse(messages.monitorSnapshot([7, 9], [messages.gameEvent(event)])),
  presence: JSON.parse(messages.presence(7, 'join')),
  error: JSON.parse(messages.error('resync_required', 'reload')),
  pong: JSON.parse(messages.pong()),
  refreshed: JSON.parse(messages.refreshed(900)),
};
const MESSAGE_TYPES = Object.keys(examples);

const passes = (message: unknown) => Value.Check(ServerMessage, message);
const without = (message: Record<string, unknown>, field: string) => Object.fromEntries(Object.entries(message).filter(([key]) => key !== field));

describe('server message schemas', () => {
  for (const type of MESSAGE_TYPES) {
    describe(type, () => {
      const message = examples[type]!;

      it('accepts what the builder makes, with v 1 and a UTC millisecond ts', () => {
        expect(passes(message)).toBe(true);
        expect(message).toMatchObject({ type, v: 1 });
        expect(message.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      });

      it('refuses it without ts, without v, with v 2, or with a ts that is not UTC with milliseconds', () => {
        expect(passes(without(message, 'ts'))).toBe(false);
        expect(passes(without(message, 'v'))).toBe(false);
        expect(passes({ ...message, v: 2 })).toBe(false);
        for (const ts of ['2025-08-16T12:34:56Z', '2025-08-16T14:34:56.789+02:00', '2025-08-16 12:34:56.789Z', 'yesterday', 1755347696789]) {
          expect({ ts, passes: passes({ ...message, ts }) }).toEqual({ ts, passes: false });
        }
      });

      it('refuses it without each of its required fields', () => {
        for (const field of Object.keys(message).filter((key) => !['type', 'v', 'ts'].includes(key))) {
          expect({ field, passes: passes(without(message, field)) }).toEqual({ field, passes: false });
        }
      });
    });
  }

  it('refuses an unknown type, a wrong game type, a wrong presence status, and a result without payout', () => {
    expect(passes({ ...examples.pong, type: 'pang' })).toBe(false);
    expect(passes({ ...examples.game_event, game_type: 'poker' })).toBe(false);
    expect(passes({ ...examples.presence, status: 'away' })).toBe(false);
    expect(passes({ ...examples.game_event, result: { reels: [] } })).toBe(false);
    expect(passes({ ...examples.monitor_snapshot, recent_events: [{ ...examples.game_event, v: 2 }] })).toBe(false);
  });

  it('checks the same with no string formats registered (a client need not load Elysia)', () => {
    const registered = [...FormatRegistry.Entries()];
    FormatRegistry.Clear();
    try {
      for (const type of MESSAGE_TYPES) expect({ type, passes: passes(examples[type]) }).toEqual({ type, passes: true });
    } finally {
      for (const [name, check] of registered) FormatRegistry.Set(name, check);
    }
  });
});

describe('every message a real server sends', () => {
  const suite = useServer();
  const { sockets } = suite;

  it('passes the schema, for every type', async () => {
    const user = await suite.client.signup();
    const admin = await suite.client.loginAdmin();
    await suite.client.play(user.access_token, 'rps');
    const { socket: monitor } = await openMonitor(suite.server.url, admin.access_token);
    sockets.track(monitor);

    const player = sockets.track(await openUserSocket(suite.server.url, user.access_token));
    await monitor.next((m) => m.type === 'presence' && m.user_id === user.user.id);
    for (const game of ['slot', 'rps', 'gacha', 'crash'] as const) await suite.client.play(user.access_token, game);
    await player.waitFor('balance_update', 4);

    player.send({ type: 'ping' });
    await player.next('pong');
    player.send({ type: 'refresh', token: (await suite.client.post('/api/auth/login', { username: user.user.username, password: user.password })).json.access_token });
    await player.next('refreshed');
    player.send({ type: 'no_such_type' });
    player.send('not json');
    await player.waitFor('error', 2);

    const resumed = sockets.track(await openUserSocket(suite.server.url, user.access_token, { since: 'not-an-id' }));
    await resumed.next('error');
    player.close();
    resumed.close();
    await monitor.next((m) => m.type === 'presence' && m.status === 'leave' && m.user_id === user.user.id);

    const all: TestSocket[] = [monitor, player, resumed];
    const seen = new Set(all.flatMap((s) => s.received.map((m) => m.type)));
    expect([...seen].sort()).toEqual([...MESSAGE_TYPES].sort());
    expect(all.flatMap((s) => s.schemaViolations)).toEqual([]);
    expect(monitor.received[0]!.recent_events.length).toBeGreaterThan(0);
  });
});
