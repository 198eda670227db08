/** The seed endpoints against a real server: commitment, client seed, rotation, revealed pages, verify. */
import { describe, expect, it } from 'bun:test';
import { createHash } from 'node:crypto';
import { api, ledgerOf } from '../support/client';
import { ManualClock } from '../support/clock';
import { startTestServer } from '../support/server';
import { useServer } from '../support/suite';
import { seedRows } from './seed-rows';

const sha256 = (hex: string) => createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

describe('fairness seeds', () => {
  const suite = useServer();
  const get = (token: string) => suite.client.get('/api/games/fairness', token);
  const putSeed = (token: string, body: unknown) => suite.client.request('PUT', '/api/games/fairness/client-seed', { body, token });
  const rotate = (token: string) => suite.client.post('/api/games/fairness/rotate', undefined, token);

  it('shows a commitment, a random client seed and nonce 0, the same on every read', async () => {
    const { access_token } = await suite.client.signup();
    const first = await get(access_token);
    expect(first.status).toBe(200);
    expect(first.json.server_seed_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.json.client_seed).toMatch(/^[0-9a-f]{32}$/);
    expect(first.json.nonce).toBe(0);
    expect((await get(access_token)).json).toEqual(first.json);
    expect(Object.keys(first.json).sort()).toEqual(['client_seed', 'nonce', 'server_seed_hash']);
  });

  it('needs a token for everything but verify', async () => {
    expect((await suite.client.get('/api/games/fairness')).status).toBe(401);
    expect((await suite.client.request('PUT', '/api/games/fairness/client-seed', { body: { client_seed: 'x' } })).status).toBe(401);
    expect((await suite.client.post('/api/games/fairness/rotate')).status).toBe(401);
    expect((await suite.client.get('/api/games/fairness/revealed')).status).toBe(401);
  });

  it('sets a client seed of 1 to 64 visible characters and refuses anything else, changing nothing', async () => {
    const { access_token } = await suite.client.signup();
    const set = await putSeed(access_token, { client_seed: 'my:seed~64' });
    expect(set.status).toBe(200);
    expect(set.json.client_seed).toBe('my:seed~64');
    expect((await putSeed(access_token, { client_seed: 'x'.repeat(64) })).json.client_seed).toBe('x'.repeat(64));
    const before = (await get(access_token)).json;
    for (const client_seed of ['', 'x'.repeat(65), 'has space', 'tab\t', 'é', 42, null]) {
      const refused = await putSeed(access_token, { client_seed });
      expect(refused.status).toBe(400);
      expect(refused.json.error.code).toBeString();
    }
    expect((await putSeed(access_token, {})).status).toBe(400);
    expect((await get(access_token)).json).toEqual(before);
  });

  it('rotation reveals the committed seed, commits to a new one and resets the nonce', async () => {
    const { access_token } = await suite.client.signup();
    await putSeed(access_token, { client_seed: 'keep-me' });
    const committed = (await get(access_token)).json;
    const rotated = await rotate(access_token);
    expect(rotated.status).toBe(200);
    expect(rotated.json.revealed_server_seed).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256(rotated.json.revealed_server_seed)).toBe(committed.server_seed_hash);
    expect(rotated.json.revealed_server_seed_hash).toBe(committed.server_seed_hash);
    expect(rotated.json.server_seed_hash).not.toBe(committed.server_seed_hash);
    expect(rotated.json).toMatchObject({ client_seed: 'keep-me', nonce: 0 });
    expect((await get(access_token)).json).toEqual({ server_seed_hash: rotated.json.server_seed_hash, client_seed: 'keep-me', nonce: 0 });
  });

  it('lists revealed seeds newest first, page by page, and only the caller\'s', async () => {
    const { access_token } = await suite.client.signup();
    const other = await suite.client.signup();
    await rotate(other.access_token);
    const revealed: string[] = [];
    for (let i = 0; i < 5; i++) revealed.push((await rotate(access_token)).json.revealed_server_seed);
    const seen: string[] = [];
    let before: number | null = null;
    do {
      const page = await suite.client.get(`/api/games/fairness/revealed?limit=2${before ? `&before=${before}` : ''}`, access_token);
      expect(page.status).toBe(200);
      expect(page.json.seeds.length).toBeLessThanOrEqual(2);
      for (const seed of page.json.seeds) {
        expect(sha256(seed.server_seed)).toBe(seed.server_seed_hash);
        expect(Date.parse(seed.created_at)).toBeLessThanOrEqual(Date.parse(seed.revealed_at));
        expect(seed.nonce).toBe(0);
        seen.push(seed.server_seed);
      }
      before = page.json.next_before;
    } while (before !== null);
    expect(seen).toEqual(revealed.reverse());
    expect((await suite.client.get('/api/games/fairness/revealed?limit=0', access_token)).status).toBe(400);
    expect((await suite.client.get('/api/games/fairness/revealed?limit=101', access_token)).status).toBe(400);
    expect((await suite.client.get('/api/games/fairness/revealed?before=abc', access_token)).status).toBe(400);
  });

  it('a seed first created by its rotation is created at the rotation\'s time, not after it was revealed', async () => {
    // The server's clock a minute behind the machine's: a seed row stamped with Date.now()
    // inside the rotation would show created_at a minute after revealed_at.
    const clock = new ManualClock(Date.now() - 60_000);
    const server = await startTestServer({}, { clock });
    try {
      const client = api(server.url);
      const { access_token } = await client.signup();
      expect((await client.post('/api/games/fairness/rotate', undefined, access_token)).status).toBe(200);
      const [seed] = (await client.get('/api/games/fairness/revealed', access_token)).json.seeds;
      expect(Date.parse(seed.created_at)).toBeLessThanOrEqual(Date.parse(seed.revealed_at));
      expect(Date.parse(seed.revealed_at)).toBe(clock.now());
    } finally {
      await server.close();
    }
  });

  it('never shows an active server seed: only revealed ones appear in any response', async () => {
    const { access_token, user } = await suite.client.signup();
    const bodies = [(await get(access_token)).text, (await putSeed(access_token, { client_seed: 'abc' })).text, (await rotate(access_token)).text];
    bodies.push((await suite.client.get('/api/games/fairness/revealed', access_token)).text);
    const active = seedRows(suite.server).active.find((row) => Number(row.user_id) === user.id)!;
    expect(active.server_seed).toMatch(/^[0-9a-f]{64}$/);
    for (const body of bodies) expect(body).not.toContain(active.server_seed as string);
  });
});

describe('verify', () => {
  const suite = useServer();
  const seed = 'ab'.repeat(32);
  const body = { game_type: 'crash', server_seed: seed, client_seed: 'c', nonce: 3, params: { bet: 2, cashout: 1.5 } };
  const verify = (b: unknown, token?: string) => suite.client.post('/api/games/fairness/verify', b, token);

  it('refuses malformed input with an error body', async () => {
    const bad: [string, unknown][] = [
      ['unknown game', { ...body, game_type: 'poker' }],
      ['short seed', { ...body, server_seed: 'ab' }],
      ['uppercase seed', { ...body, server_seed: 'AB'.repeat(32) }],
      ['negative nonce', { ...body, nonce: -1 }],
      ['fractional nonce', { ...body, nonce: 1.5 }],
      ['empty client seed', { ...body, client_seed: '' }],
      ['params of another game', { ...body, params: { bet: 1, choice: 'rock' } }],
      ['bet with three decimals', { ...body, params: { bet: 1.001, cashout: 2 } }],
      ['cashout with three decimals', { ...body, params: { bet: 1, cashout: 2.001 } }],
      ['no params', { ...body, params: undefined }],
    ];
    for (const [what, input] of bad) {
      const response = await verify(input);
      expect({ what, status: response.status }).toEqual({ what, status: 400 });
      expect(response.json.error.code).toBeString();
    }
  });

  it('is a pure function of its input and touches no account, even with a token', async () => {
    const player = await suite.client.signup();
    const state = (await suite.client.get('/api/games/fairness', player.access_token)).json;
    const ledger = ledgerOf(suite.server, player.user.id);
    const rows = seedRows(suite.server);
    const first = await verify(body, player.access_token);
    expect(first.status).toBe(200);
    expect(first.json.result.fairness).toEqual({ server_seed_hash: sha256(seed), client_seed: 'c', nonce: 3 });
    expect((await verify(body)).json).toEqual(first.json);
    expect((await verify({ ...body, nonce: 4 })).json.result.fairness.nonce).toBe(4);
    expect(ledgerOf(suite.server, player.user.id)).toEqual(ledger);
    expect(seedRows(suite.server)).toEqual(rows);
    expect((await suite.client.get('/api/games/fairness', player.access_token)).json).toEqual(state);
  });

  it('is rate-limited per address: a burst past 40 gets 429 with Retry-After', async () => {
    const responses = await Promise.all(Array.from({ length: 80 }, () => verify(body)));
    const limited = responses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.json.error.code).toBeString();
    expect(limited[0]!.headers.get('retry-after')).not.toBeNull();
    expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(45);
  });
});
