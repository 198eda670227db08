/**
 * The seeds on PostgreSQL with two servers on one database, the deployment where nonces and
 * rotations really race: every nonce is given out once, and a rotation never reveals a seed a
 * later play draws from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { verify as verifyOffline } from '../../client/fairness';
import { api, GAME_NAMES, type Api, type GameName } from '../support/client';
import { FIRST_USE_TIMEOUT_MS } from '../support/postgres';
import { startTestServer, testStore, type TestServer, type TestStore } from '../support/server';
import { waitUntil } from '../support/streams';

const BODIES: Record<GameName, Record<string, unknown>> = { slot: { bet: 1 }, rps: { bet: 1, choice: 'rock' }, gacha: { bet: 1 }, crash: { bet: 1, cashout: 3 } };
type Played = { game: GameName; result: Record<string, any> };

describe('fairness on PostgreSQL, two instances', () => {
  let store: TestStore;
  let servers: TestServer[] = [];
  let clients: Api[] = [];

  beforeAll(async () => {
    store = await testStore('postgres');
    const env = { PLAY_RATE_PER_SECOND: '100000', PLAY_BURST: '100000' };
    // One after the other: both migrate the same database, the second finds it done.
    servers = [await startTestServer(env, { store }), await startTestServer(env, { store })];
    clients = servers.map((s) => api(s.url));
  }, FIRST_USE_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await store?.remove();
  });

  async function play(client: Api, token: string, game: GameName): Promise<Played> {
    const response = await client.play(token, game, BODIES[game]);
    if (response.status !== 200) throw new Error(`play failed: ${response.status} ${response.text}`);
    return { game, result: response.json.result };
  }

  it('gives every nonce out once across both, and rotating on one while both play reveals only finished seeds', async () => {
    const [a, b] = clients as [Api, Api];
    const player = await a.signup();
    const plays: Played[] = [];
    // Six tabs, alternating instances, each playing 20 times in a row.
    const tabs = Array.from({ length: 6 }, async (_, tab) => {
      for (let i = 0; i < 20; i++) plays.push(await play(tab % 2 ? a : b, player.access_token, GAME_NAMES[(tab + i) % 4]!));
    });
    const rotations: Record<string, any>[] = [];
    for (const [i, after] of [15, 40, 65, 90].entries()) {
      await waitUntil(() => plays.length >= after, `${after} plays`);
      rotations.push((await (i % 2 ? a : b).post('/api/games/fairness/rotate', undefined, player.access_token)).json);
    }
    await Promise.all(tabs);
    rotations.push((await a.post('/api/games/fairness/rotate', undefined, player.access_token)).json);

    const seeds = new Map(rotations.map((rotation) => [rotation.revealed_server_seed_hash as string, rotation]));
    const revealed = (await a.get('/api/games/fairness/revealed', player.access_token)).json.seeds as { server_seed: string; nonce: number }[];
    for (const rotation of seeds.values()) {
      const under = plays.filter((p) => p.result.fairness.server_seed_hash === rotation.revealed_server_seed_hash);
      expect(under.map((p) => p.result.fairness.nonce).sort((x, y) => x - y)).toEqual(under.map((_, i) => i));
      expect(revealed.find((seed) => seed.server_seed === rotation.revealed_server_seed)!.nonce).toBe(under.length);
    }
    expect(plays.length).toBe(120);
    // Rotations landed among the plays (two in a row may find none between them on a busy machine).
    expect(new Set(plays.map((p) => p.result.fairness.server_seed_hash)).size).toBeGreaterThanOrEqual(2);
    expect(plays.every((p) => seeds.has(p.result.fairness.server_seed_hash))).toBe(true);
    for (const { game, result } of plays) {
      const rotation = seeds.get(result.fairness.server_seed_hash)!;
      expect(await verifyOffline({ game_type: game, server_seed: rotation.revealed_server_seed, client_seed: result.fairness.client_seed, nonce: result.fairness.nonce, params: BODIES[game] })).toEqual(result);
    }
  });

  it('sets a client seed and pages revealed seeds on PostgreSQL too', async () => {
    const [a, b] = clients as [Api, Api];
    const player = await a.signup();
    const set = await b.request('PUT', '/api/games/fairness/client-seed', { body: { client_seed: 'pg-seed' }, token: player.access_token });
    expect(set.json).toMatchObject({ client_seed: 'pg-seed', nonce: 0 });
    expect((await play(a, player.access_token, 'slot')).result.fairness).toEqual({ server_seed_hash: set.json.server_seed_hash, client_seed: 'pg-seed', nonce: 0 });
    const refused = await a.play(player.access_token, 'slot', { bet: 100_000 });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect((await b.get('/api/games/fairness', player.access_token)).json.nonce).toBe(1);
    for (let i = 0; i < 3; i++) await a.post('/api/games/fairness/rotate', undefined, player.access_token);
    const page = (await b.get('/api/games/fairness/revealed?limit=2', player.access_token)).json;
    expect(page.seeds.length).toBe(2);
    const rest = (await b.get(`/api/games/fairness/revealed?limit=2&before=${page.next_before}`, player.access_token)).json;
    expect(rest.seeds.map((s: { nonce: number }) => s.nonce)).toEqual([1]);
  });
});
