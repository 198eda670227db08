import { afterEach, describe, expect, it } from 'bun:test';
import { GameClient, GameStream, MonitorStream, realScheduler, type SocketStream } from '../../client';
import { ADMIN, restartableServer, startTestServer, type TestServer } from '../support/server';
import { ManualClock } from '../support/clock';
import { freePort, record } from './recorder';

let counter = 0;
const PASSWORD = 'correct-horse-battery';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function player(url: string): Promise<GameClient> {
  const client = new GameClient(url);
  await client.signup(`stream_${process.pid}_${++counter}`, PASSWORD);
  return client;
}

function opened<S extends SocketStream>(stream: S): S {
  cleanups.push(() => stream.close());
  return stream;
}

async function started(env = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  cleanups.push(() => server.close());
  return server;
}

/** Reconnects without real waiting: every backoff delay is 0 ms. */
const noWait = { ...realScheduler, random: () => 0 };

describe('GameStream', () => {
  it('hands out the player\'s plays as typed, schema-checked events', async () => {
    const server = await started();
    const client = await player(server.url);
    const stream = opened(client.stream());
    const seen = record(stream);
    const acks: number[] = [];
    stream.on('ws_ack', (ack) => acks.push(ack.user_id));
    await seen.until(() => acks.length === 1, 'ws_ack');
    expect(stream.state).toBe('open');

    const plays = [await client.slot({ bet: 1 }), await client.rps({ bet: 1, choice: 'rock' }), await client.gacha({ bet: 1 }), await client.crash({ bet: 1, cashout: 1.5 })];
    await seen.until(() => seen.count('balance_update') === 4, 'four balance updates');
    expect(acks).toEqual([client.user!.id]);
    expect(seen.eventIds()).toEqual(plays.map((play) => play.event_id));
    const events = seen.messages.filter((m) => m.type === 'game_event');
    expect(events.map((e) => e.type === 'game_event' && e.game_type)).toEqual(['slot', 'rps', 'gacha', 'crash']);
    const updates = seen.messages.flatMap((m) => (m.type === 'balance_update' ? [m.balance] : []));
    expect(updates).toEqual(plays.map((play) => play.balance));
    expect(stream.lastEventId).toBe(plays[3]!.event_id);
    expect(seen.invalid).toEqual([]);
  });

  it('resumes through a server restart with no event missed or repeated', async () => {
    const servers = restartableServer({ PORT: String(freePort()) });
    cleanups.push(() => servers.close());
    const first = await servers.start();
    const client = await player(first.url);
    // The token provider is the gate: the stream cannot reconnect until the test lets it.
    let gate: Promise<void> | undefined;
    const stream = opened(new GameStream({ url: first.url, getToken: async () => (await gate, client.getToken()), scheduler: noWait }));
    const seen = record(stream);
    await seen.until(() => stream.state === 'open', 'the stream to open');

    const played: string[] = [];
    const play = async (n: number) => {
      for (let i = 0; i < n; i++) played.push((await client.slot({ bet: 1 })).event_id);
    };
    await play(3);
    await seen.until(() => seen.eventIds().length === 3, 'the first three events');

    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    await servers.start();
    await play(3); // made while the stream is down
    release();
    await seen.until(() => seen.eventIds().length === 6, 'the three missed events');
    await play(2);
    await seen.until(() => seen.eventIds().length >= 8, 'the live events');
    await Bun.sleep(50);

    expect(seen.eventIds()).toEqual(played);
    expect(new Set(played).size).toBe(8);
    expect(seen.disconnects[0]?.code).toBe(1001);
    expect(seen.fatal).toEqual([]);
  });

  it('surfaces resync_required when its since is unknown, then carries on live', async () => {
    const server = await started();
    const client = await player(server.url);
    const stream = opened(client.stream({ since: `${client.user!.id}-999` }));
    const seen = record(stream);
    await seen.until(() => seen.resyncs.length === 1, 'resync_required');
    const play = await client.slot({ bet: 1 });
    await seen.until(() => seen.eventIds().length === 1, 'a live event');
    expect(seen.eventIds()).toEqual([play.event_id]);
    expect(seen.resyncs[0]!.code).toBe('resync_required');
  });

  it('stops for good on 1008 (message budget exceeded) and does not reconnect', async () => {
    const server = await started({ WS_MESSAGE_BURST: '3', WS_MESSAGE_RATE_PER_SECOND: '1' });
    const client = await player(server.url);
    let connections = 0;
    const stream = opened(new GameStream({ url: server.url, getToken: () => (connections++, client.getToken()), scheduler: noWait }));
    const seen = record(stream);
    await seen.until(() => stream.state === 'open', 'the stream to open');
    for (let i = 0; i < 10; i++) stream.ping();

    expect(await stream.done).toEqual({ code: 1008, reason: 'message budget exceeded' });
    await Bun.sleep(100);
    expect(seen.fatal.map((f) => f.code)).toEqual([1008]);
    expect(seen.disconnects).toEqual([]);
    expect(stream.state).toBe('closed');
    expect(connections).toBe(1);
    expect(server.app.registry.size).toBe(0);
  });

  it('after 4002 (too slow) resumes with since, missing nothing; after 1009 (too big) stops for good', async () => {
    const server = await started();
    const client = await player(server.url);
    let connections = 0;
    const stream = opened(new GameStream({ url: server.url, getToken: () => (connections++, client.getToken()), scheduler: noWait }));
    const seen = record(stream);
    await seen.until(() => stream.state === 'open', 'the stream to open');
    const closeAll = (code: number, reason: string) => {
      for (const ws of server.app.registry.open) ws.close(code, reason);
    };
    const plays = [(await client.slot({ bet: 1 })).event_id];
    await seen.until(() => seen.eventIds().length === 1, 'the first event');

    closeAll(4002, 'too slow to keep up');
    plays.push((await client.rps({ bet: 1, choice: 'rock' })).event_id); // while it reconnects
    await seen.until(() => seen.count('ws_ack') === 2, 'the second ws_ack');
    plays.push((await client.gacha({ bet: 1 })).event_id);
    await seen.until(() => seen.eventIds().length === 3, 'three events');
    expect(seen.eventIds()).toEqual(plays);
    expect(seen.disconnects.map((d) => d.code)).toEqual([4002]);
    expect(seen.fatal).toEqual([]);

    closeAll(1009, 'message too big');
    expect(await stream.done).toEqual({ code: 1009, reason: 'message too big' });
    await Bun.sleep(100);
    expect(seen.fatal.map((f) => f.code)).toEqual([1009]);
    expect(seen.disconnects.map((d) => d.code)).toEqual([4002]);
    expect(stream.state).toBe('closed');
    expect(connections).toBe(2);
  });

  it('after 4005 (resume budget spent) waits longer each time, never retrying at once, and resumes missing nothing once the budget is back', async () => {
    const clock = new ManualClock();
    // A full resume of 5 costs 6: the whole budget.
    const server = await startTestServer({ RESUME_MAX_EVENTS: '5', RESUME_BUDGET_EVENTS: '6', RESUME_BUDGET_INTERVAL_SECONDS: '10' }, { clock });
    cleanups.push(() => server.close());
    const client = await player(server.url);
    const played: string[] = [];
    for (let i = 0; i < 5; i++) played.push((await client.slot({ bet: 1 })).event_id);
    const stream = opened(
      new GameStream({ url: server.url, getToken: () => client.getToken(), since: `${client.user!.id}-0`, scheduler: noWait, resumeBackoff: { baseMs: 40, maxMs: 160 } }),
    );
    const seen = record(stream);
    await seen.until(() => seen.eventIds().length === 5 && seen.count('balance_update') === 1, 'the replay and the balance');

    // Dropped: its resume finds the budget spent, again and again.
    for (const ws of server.app.registry.open) ws.close(4002, 'too slow to keep up');
    await seen.until(() => seen.disconnects.filter((d) => d.code === 4005).length >= 4, 'four 4005 closes');
    const budgetWaits = seen.disconnects.filter((d) => d.code === 4005).map((d) => d.reconnectInMs);
    // random() is 0 here: exactly half of a ceiling doubling from 40 ms up to 160 ms.
    expect(budgetWaits.slice(0, 4)).toEqual([20, 40, 80, 80]);
    expect(seen.eventIds()).toEqual(played);

    played.push((await client.rps({ bet: 1, choice: 'rock' })).event_id); // while it waits
    clock.advance(10_000);
    await seen.until(() => seen.eventIds().length === 6, 'the missed event, once the budget is back');
    played.push((await client.gacha({ bet: 1 })).event_id);
    await seen.until(() => seen.eventIds().length === 7, 'a live event');
    expect(seen.eventIds()).toEqual(played);
    expect(seen.fatal).toEqual([]);
    expect(stream.state).toBe('open');
  });

  it('backs off exponentially with full jitter while the server is away, and close() stops it', async () => {
    const url = `http://127.0.0.1:${freePort()}`;
    const stream = opened(new GameStream({ url, getToken: async () => 'unused', scheduler: { ...realScheduler, random: () => 0.999 }, backoff: { baseMs: 1, maxMs: 8 } }));
    const seen = record(stream);
    await seen.until(() => seen.disconnects.length >= 6, 'six failed attempts');
    expect(seen.disconnects.slice(0, 6).map((d) => d.reconnectInMs)).toEqual([0, 1, 3, 7, 7, 7]);
    expect(new Set(seen.disconnects.map((d) => d.code))).toEqual(new Set([1006]));
    stream.close();
    const attempts = seen.disconnects.length;
    await Bun.sleep(50);
    expect(seen.disconnects.length).toBe(attempts);
    expect(stream.state).toBe('closed');
  });

  it('offers the token as a subprotocol beside games.v1, and drops frames that are not API messages', async () => {
    const offered: (string | null)[] = [];
    const fake = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(request, server) {
        offered.push(request.headers.get('sec-websocket-protocol'));
        return server.upgrade(request, { headers: { 'sec-websocket-protocol': 'games.v1' }, data: undefined }) ? undefined : new Response('no', { status: 400 });
      },
      websocket: {
        open(ws) {
          ws.send('not json');
          ws.send(JSON.stringify({ type: 'game_event', v: 1 }));
          ws.send(JSON.stringify({ type: 'ws_ack', v: 1, user_id: 7, expires_in: 900, ts: new Date().toISOString() }));
        },
        message() {},
      },
    });
    cleanups.push(() => fake.stop(true));
    const stream = opened(new GameStream({ url: `http://127.0.0.1:${fake.port}`, getToken: async () => 'a.b.c' }));
    const seen = record(stream);
    await seen.until(() => stream.state === 'open', 'the stream to open');

    expect(offered).toEqual(['games.v1, bearer.a.b.c']);
    expect(seen.invalid.map((i) => i.data)).toEqual(['not json', '{"type":"game_event","v":1}']);
    expect(seen.messages.map((m) => m.type)).toEqual(['ws_ack']);
  });
});

describe('MonitorStream', () => {
  it('sees every player\'s plays, and after a reconnect the missed ones once', async () => {
    const servers = restartableServer({ PORT: String(freePort()) });
    cleanups.push(() => servers.close());
    const first = await servers.start();
    const admin = new GameClient(first.url);
    await admin.login(ADMIN.username, ADMIN.password);
    const alice = await player(first.url);
    const before = await alice.gacha({ bet: 1 });

    let gate: Promise<void> | undefined;
    const monitor = opened(new MonitorStream({ url: first.url, getToken: async () => (await gate, admin.getToken()), scheduler: noWait }));
    const seen = record(monitor);
    await seen.until(() => seen.count('monitor_snapshot') === 1, 'the snapshot');
    const live = await alice.slot({ bet: 1 });
    await seen.until(() => seen.eventIds().length === 1, 'a live event');

    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    await servers.start();
    const missed = await alice.rps({ bet: 1, choice: 'scissors' });
    release();
    await seen.until(() => seen.count('monitor_snapshot') === 2 && seen.eventIds().length === 2, 'the missed event');
    const after = await alice.crash({ bet: 1, cashout: 2 });
    await seen.until(() => seen.eventIds().length === 3, 'the next live event');

    const snapshot = seen.messages.find((m) => m.type === 'monitor_snapshot');
    expect(snapshot?.type === 'monitor_snapshot' && snapshot.recent_events.map((e) => e.event_id)).toEqual([before.event_id]);
    expect(seen.eventIds()).toEqual([live.event_id, missed.event_id, after.event_id]);
  });

  it('resumes with since past RECENT_EVENTS, and past the replay bound says resync_required and starts afresh', async () => {
    const server = await started({ RECENT_EVENTS: '2', RESUME_MAX_EVENTS: '6' });
    const admin = new GameClient(server.url);
    await admin.login(ADMIN.username, ADMIN.password);
    const alice = await player(server.url);
    // While `gate` is pending the stream cannot reconnect: the plays made then are missed.
    let gate: Promise<void> | undefined;
    let release = () => {};
    const keepAway = () => (gate = new Promise((resolve) => (release = resolve)));
    const monitor = opened(new MonitorStream({ url: server.url, getToken: async () => (await gate, admin.getToken()), scheduler: noWait }));
    const seen = record(monitor);
    await seen.until(() => seen.count('monitor_snapshot') === 1, 'the snapshot');
    const plays = [(await alice.slot({ bet: 1 })).event_id];
    await seen.until(() => seen.eventIds().length === 1, 'a live event');
    expect(monitor.lastCursor).toMatch(/^\d+$/);

    // Away for five plays (more than the snapshot's two): all come back, once, in order.
    keepAway();
    expect(await admin.disconnect(admin.user!.id, 'away for a while')).toBe(1); // 4004: it may reconnect
    for (let i = 0; i < 5; i++) plays.push((await alice.rps({ bet: 1, choice: 'rock' })).event_id);
    release();
    await seen.until(() => seen.eventIds().length === plays.length, 'the missed events');
    expect(seen.eventIds()).toEqual(plays);
    expect(seen.resyncs).toEqual([]);

    // Away for more than the bound: resync_required, then a fresh snapshot without since.
    keepAway();
    await admin.disconnect(admin.user!.id, 'away for longer');
    const gone: string[] = [];
    for (let i = 0; i < 8; i++) gone.push((await alice.gacha({ bet: 1 })).event_id);
    release();
    await seen.until(() => seen.resyncs.length === 1 && seen.count('monitor_snapshot') === 3, 'a resync and a fresh snapshot');
    expect(seen.disconnects.map((d) => d.code)).toEqual([4004, 4004, 4006]);
    // The fresh snapshot's events it had not handed out yet come out as game_events, as after any reconnect.
    expect(seen.eventIds()).toEqual([...plays, ...gone.slice(-2)]);
    const fresh = seen.messages.filter((m) => m.type === 'monitor_snapshot').at(-1)!;
    expect(fresh.type === 'monitor_snapshot' && fresh.recent_events.length).toBe(2);
  });
});
