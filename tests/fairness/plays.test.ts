/**
 * Plays draw from the committed seeds: every play's result names its seeds, the revealed seed
 * reproduces it (payout included), nonces are taken once each in the play's own transaction
 * (batches, replays, refusals, restarts, rotations and two instances included), and the active
 * seed never leaves the server.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import { verify as verifyOffline, type VerifyInput } from '../../client/fairness';
import { api, GAME_NAMES, type Api, type GameName } from '../support/client';
import { restartableServer, startTestServer, tempDir, type TestServer } from '../support/server';
import { openMonitor, openUserSocket } from '../support/socket';
import { closer, waitUntil } from '../support/streams';
import { seedRows } from './seed-rows';

const BODIES: Record<GameName, Record<string, unknown>> = {
  slot: { bet: 1 },
  rps: { bet: 1, choice: 'paper' },
  gacha: { bet: 1 },
  crash: { bet: 1, cashout: 1.5 },
};

type Played = { game: GameName; params: Record<string, unknown>; result: Record<string, any> };

const state = (client: Api, token: string) => client.get('/api/games/fairness', token).then((r) => r.json);
const rotate = (client: Api, token: string) => client.post('/api/games/fairness/rotate', undefined, token).then((r) => r.json);

async function play(client: Api, token: string, game: GameName, headers?: Record<string, string>): Promise<Played> {
  const response = await client.play(token, game, BODIES[game], headers);
  if (response.status !== 200) throw new Error(`play failed: ${response.status} ${response.text}`);
  return { game, params: BODIES[game], result: response.json.result };
}

/**
 * Checks each play against the seed revealed for its commitment offline, and the first dozen
 * through the endpoint too (it allows a burst of 40 per address).
 */
async function expectVerified(client: Api, plays: Played[], revealed: Map<string, string>): Promise<void> {
  for (const [index, { game, params, result }] of plays.entries()) {
    const server_seed = revealed.get(result.fairness.server_seed_hash);
    expect(server_seed).toBeDefined();
    const input: VerifyInput = { game_type: game, server_seed: server_seed!, client_seed: result.fairness.client_seed, nonce: result.fairness.nonce, params };
    expect(await verifyOffline(input)).toEqual(result);
    if (index >= 12) continue;
    const online = await client.post('/api/games/fairness/verify', input);
    expect(online.json).toEqual({ result });
  }
}

const sockets = closer();
const servers: TestServer[] = [];
afterEach(async () => {
  sockets.closeAll();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(env = {}, dir?: string) {
  const started = await startTestServer({ PLAY_RATE_PER_SECOND: '100000', PLAY_BURST: '100000', ...env }, { dir });
  servers.push(started);
  return { server: started, client: api(started.url) };
}

describe('plays under committed seeds', () => {
  it('every play names its seeds in the response, the game_event, the resumed stream and REST history, and the revealed seed reproduces it', async () => {
    const { server: s, client } = await server();
    const player = await client.signup();
    const socket = sockets.track(await openUserSocket(s.url, player.access_token));
    const committed = await state(client, player.access_token);
    await client.request('PUT', '/api/games/fairness/client-seed', { body: { client_seed: 'mine:1' }, token: player.access_token });
    const plays: Played[] = [];
    for (let i = 0; i < 12; i++) plays.push(await play(client, player.access_token, GAME_NAMES[i % 4]!));
    expect(plays.map((p) => p.result.fairness)).toEqual(plays.map((_, nonce) => ({ server_seed_hash: committed.server_seed_hash, client_seed: 'mine:1', nonce })));
    expect((await state(client, player.access_token)).nonce).toBe(12);

    const events = await Promise.all(plays.map((_, i) => socket.next((m) => m.type === 'game_event' && m.event_id === `${player.user.id}-${i + 1}`)));
    expect(events.map((e) => e.result)).toEqual(plays.map((p) => p.result));
    const history = sockets.track(await openUserSocket(s.url, player.access_token, { since: `${player.user.id}-0` }));
    const replayed = await Promise.all(plays.map((_, i) => history.next((m) => m.type === 'game_event' && m.event_id === `${player.user.id}-${i + 1}`)));
    expect(replayed.map((e) => e.result)).toEqual(plays.map((p) => p.result));
    expect([...socket.schemaViolations, ...history.schemaViolations]).toEqual([]);
    const rest = await client.get('/api/games/history?limit=12', player.access_token);
    expect(rest.json.events.map((e: { result: unknown }) => e.result).reverse()).toEqual(plays.map((p) => p.result));

    const rotation = await rotate(client, player.access_token);
    await expectVerified(client, plays, new Map([[rotation.revealed_server_seed_hash, rotation.revealed_server_seed]]));
    const revealedList = (await client.get('/api/games/fairness/revealed', player.access_token)).json.seeds;
    expect(revealedList[0]).toMatchObject({ server_seed: rotation.revealed_server_seed, nonce: 12 });
  });

  it('plays sent together (one batch) take consecutive nonces, each once', async () => {
    const { client } = await server();
    const player = await client.signup();
    const plays = await Promise.all(Array.from({ length: 40 }, (_, i) => play(client, player.access_token, GAME_NAMES[i % 4]!)));
    expect(plays.map((p) => p.result.fairness.nonce).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await state(client, player.access_token)).nonce).toBe(40);
    const rotation = await rotate(client, player.access_token);
    await expectVerified(client, plays, new Map([[rotation.revealed_server_seed_hash, rotation.revealed_server_seed]]));
  });

  it('an idempotent replay and a refused play take no nonce', async () => {
    const { client } = await server({ INITIAL_BALANCE: '3' });
    const player = await client.signup();
    const first = await play(client, player.access_token, 'gacha', { 'idempotency-key': 'k1' });
    const again = await play(client, player.access_token, 'gacha', { 'idempotency-key': 'k1' });
    expect(again.result).toEqual(first.result);
    expect((await state(client, player.access_token)).nonce).toBe(1);
    const tooBig = await client.play(player.access_token, 'slot', { bet: 1000 });
    expect(tooBig.status).toBe(402);
    const concurrentRefusals = await Promise.all(Array.from({ length: 10 }, () => client.play(player.access_token, 'rps', { bet: 1000, choice: 'rock' })));
    expect(concurrentRefusals.every((r) => r.status === 402)).toBe(true);
    expect((await state(client, player.access_token)).nonce).toBe(1);
    expect((await play(client, player.access_token, 'slot')).result.fairness.nonce).toBe(1);
  });

  it('seeds and nonces survive a restart', async () => {
    const deployment = restartableServer({ PLAY_RATE_PER_SECOND: '100000', PLAY_BURST: '100000' });
    try {
      let running = await deployment.start();
      let client = api(running.url);
      const player = await client.signup();
      const plays = [await play(client, player.access_token, 'slot'), await play(client, player.access_token, 'crash')];
      const before = await state(client, player.access_token);
      running = await deployment.start();
      client = api(running.url);
      expect(await state(client, player.access_token)).toEqual(before);
      plays.push(await play(client, player.access_token, 'rps'));
      expect(plays.map((p) => p.result.fairness.nonce)).toEqual([0, 1, 2]);
      const rotation = await rotate(client, player.access_token);
      await expectVerified(client, plays, new Map([[rotation.revealed_server_seed_hash, rotation.revealed_server_seed]]));
    } finally {
      await deployment.close();
    }
  });

  it('a rotation while plays are in flight: no play draws from a seed already revealed', async () => {
    const { client } = await server();
    const player = await client.signup();
    // Four tabs of one player, each playing in a row, 15 times and on until the rotation has
    // answered: the rotation lands among plays, and some start after it.
    const plays: Played[] = [];
    let rotated = false;
    const tabs = Array.from({ length: 4 }, async (_, tab) => {
      for (let i = 0; i < 15 || !rotated; i++) plays.push(await play(client, player.access_token, GAME_NAMES[(tab + i) % 4]!));
    });
    await waitUntil(() => plays.length >= 12, 'a dozen plays');
    const rotation = await rotate(client, player.access_token);
    rotated = true;
    await Promise.all(tabs);
    const second = await rotate(client, player.access_token);
    const underOld = plays.filter((p) => p.result.fairness.server_seed_hash === rotation.revealed_server_seed_hash);
    const underNew = plays.filter((p) => p.result.fairness.server_seed_hash === second.revealed_server_seed_hash);
    expect(underOld.length + underNew.length).toBe(plays.length);
    expect(underOld.length).toBeGreaterThanOrEqual(12);
    expect(underNew.length).toBeGreaterThan(0);
    // The revealed seed's count is every play that used it: none came after the reveal.
    const revealed = (await client.get('/api/games/fairness/revealed', player.access_token)).json.seeds;
    expect(revealed.find((seed: { server_seed: string }) => seed.server_seed === rotation.revealed_server_seed).nonce).toBe(underOld.length);
    expect(underOld.map((p) => p.result.fairness.nonce).sort((a, b) => a - b)).toEqual(underOld.map((_, i) => i));
    expect(underNew.map((p) => p.result.fairness.nonce).sort((a, b) => a - b)).toEqual(underNew.map((_, i) => i));
    await expectVerified(client, plays, new Map([
      [rotation.revealed_server_seed_hash, rotation.revealed_server_seed],
      [second.revealed_server_seed_hash, second.revealed_server_seed],
    ]));
  });

  it('two instances on one database never give out the same nonce', async () => {
    const dir = tempDir();
    const a = await server({}, dir);
    const b = await server({}, dir);
    const player = await a.client.signup();
    const plays = await Promise.all(Array.from({ length: 60 }, (_, i) => play(i % 2 ? a.client : b.client, player.access_token, GAME_NAMES[i % 4]!)));
    expect(plays.map((p) => p.result.fairness.nonce).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(new Set(plays.map((p) => p.result.fairness.server_seed_hash)).size).toBe(1);
    const rotation = await rotate(b.client, player.access_token);
    await expectVerified(a.client, plays, new Map([[rotation.revealed_server_seed_hash, rotation.revealed_server_seed]]));
  });

  it('the active seed appears in no response, socket message or log line', async () => {
    const lines: string[] = [];
    const original = { log: console.log, error: console.error };
    console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    try {
      const { server: s, client } = await server({ LOG_LEVEL: 'debug' });
      const player = await client.signup();
      const admin = await client.loginAdmin();
      const userSocket = sockets.track(await openUserSocket(s.url, player.access_token));
      const monitor = sockets.track((await openMonitor(s.url, admin.access_token)).socket);
      const bodies: string[] = [];
      for (const game of GAME_NAMES) bodies.push((await client.play(player.access_token, game, BODIES[game])).text);
      bodies.push((await client.get('/api/games/fairness', player.access_token)).text);
      bodies.push((await client.post('/api/games/fairness/rotate', undefined, player.access_token)).text);
      for (const game of GAME_NAMES) bodies.push((await client.play(player.access_token, game, BODIES[game], { 'idempotency-key': `key-${game}` })).text);
      bodies.push((await client.request('PUT', '/api/games/fairness/client-seed', { body: { client_seed: 'z' }, token: player.access_token })).text);
      bodies.push((await client.get('/api/games/fairness/revealed', player.access_token)).text);
      await userSocket.next((m) => m.type === 'game_event' && m.event_id === `${player.user.id}-8`);
      await monitor.next((m) => m.type === 'game_event' && m.event_id === `${player.user.id}-8`);
      const active = seedRows(s).active.find((row) => Number(row.user_id) === player.user.id)!.server_seed as string;
      expect(active).toMatch(/^[0-9a-f]{64}$/);
      expect(lines.length).toBeGreaterThan(0);
      const everything = [...bodies, ...lines, ...[...userSocket.received, ...monitor.received].map((m) => JSON.stringify(m))];
      expect(everything.filter((text) => text.includes(active))).toEqual([]);
      // And the check can fail: the revealed seed, which is public, is found.
      const revealed = seedRows(s).revealed[0]!.server_seed as string;
      expect(everything.some((text) => text.includes(revealed))).toBe(true);
    } finally {
      console.log = original.log;
      console.error = original.error;
    }
  });
});
