/**
 * Request bodies are exactly what the OpenAPI document says (`additionalProperties: false`): a
 * field the schema does not name, and a body that is not a JSON object at all, are refused
 * with `400 invalid_body` and change nothing. A typo (`"cashot"`) must not be charged as if the
 * client had meant the default.
 */
import { beforeAll, describe, expect, it } from 'bun:test';
import { operations } from '../../src/docs/operations';
import type { Api } from '../support/client';
import { useServer, type Player } from '../support/suite';

const fixture = useServer({}, { withPlayer: true });
let client: Api;
let player: Player;
beforeAll(() => ({ client, player } = fixture));

const PLAYS = [
  ['/api/games/slot/spin', { bet: 10 }],
  ['/api/games/rps/play', { bet: 10, choice: 'rock' }],
  ['/api/games/gacha/pull', { bet: 10 }],
  ['/api/games/crash/bet', { bet: 10, cashout: 2 }],
] as const;

describe('a play with a field the schema does not name', () => {
  for (const [path, body] of PLAYS) {
    it(`POST ${path} with "extra" is 400 invalid_body, names the field, and charges nothing`, async () => {
      await fixture.nothingCharged(async () => {
        const response = await client.request('POST', path, { body: { ...body, extra: 1 }, token: player.access_token });
        expect(response.status).toBe(400);
        expect(response.json.error.code).toBe('invalid_body');
        expect(response.json.error.message).toContain('extra');
      });
    });
  }

  it('refuses a keyed play with an extra field, and the same key then plays once', async () => {
    await fixture.nothingCharged(async () => {
      const refused = await client.request('POST', '/api/games/slot/spin', { body: { bet: 10, extra: 1 }, token: player.access_token, headers: { 'idempotency-key': 'bodies-1' } });
      expect(refused.json.error.code).toBe('invalid_body');
    });
    const played = await client.request('POST', '/api/games/slot/spin', { body: { bet: 10 }, token: player.access_token, headers: { 'idempotency-key': 'bodies-1' } });
    expect(played.status).toBe(200);
    await fixture.socket.settle();
  });
});

describe('a body that is not a JSON object', () => {
  for (const text of ['[1]', '[{"bet":10}]', '1', '"bet"', 'true', 'null']) {
    it(`refuses ${text} as a play's body: 400 invalid_body, charging nothing`, async () => {
      await fixture.nothingCharged(async () => {
        const response = await client.request('POST', '/api/games/slot/spin', { body: text, token: player.access_token, headers: { 'content-type': 'application/json' } });
        expect(response.status).toBe(400);
        expect(response.json.error.code).toBe('invalid_body');
      });
    });
  }

  it('refuses [1] on the account routes too', async () => {
    for (const path of ['/api/auth/signup', '/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/games/fairness/verify']) {
      const response = await client.request('POST', path, { body: '[1]', headers: { 'content-type': 'application/json' } });
      expect([path, response.status, response.json.error.code]).toEqual([path, 400, 'invalid_body']);
    }
  });
});

describe('every other body route', () => {
  it('refuses an unknown field on signup, login, refresh, logout, client seed and verify with invalid_body', async () => {
    const cases: [string, string, Record<string, unknown>, string?][] = [
      ['POST', '/api/auth/signup', { username: `extra_${process.pid}`, password: 'password-1' }],
      ['POST', '/api/auth/login', { username: player.user.username, password: player.password }],
      ['POST', '/api/auth/refresh', { refresh_token: player.refresh_token }],
      ['POST', '/api/auth/logout', { refresh_token: player.refresh_token }],
      ['PUT', '/api/games/fairness/client-seed', { client_seed: 'abc' }, player.access_token],
      ['POST', '/api/games/fairness/verify', { game_type: 'slot', server_seed: '0'.repeat(64), client_seed: 'abc', nonce: 0, params: { bet: 1 } }],
    ];
    for (const [method, path, body, token] of cases) {
      const response = await client.request(method, path, { body: { ...body, admin: true }, token });
      expect([path, response.status, response.json.error.code]).toEqual([path, 400, 'invalid_body']);
    }
    // Nothing was done: the name is free, the refresh token still works.
    const signedUp = await client.post('/api/auth/login', { username: `extra_${process.pid}`, password: 'password-1' });
    expect(signedUp.status).toBe(401);
    expect((await client.post('/api/auth/refresh', { refresh_token: player.refresh_token })).status).toBe(200);
  });

  it("refuses an unknown field in verify's params as invalid_params, as a play would refuse it", async () => {
    const response = await client.post('/api/games/fairness/verify', { game_type: 'slot', server_seed: '0'.repeat(64), client_seed: 'abc', nonce: 0, params: { bet: 1, extra: 1 } });
    expect([response.status, response.json.error.code]).toEqual([400, 'invalid_params']);
  });
});

describe('the document says so', () => {
  it('declares every request body additionalProperties: false', () => {
    const bodies = Object.entries(operations).filter(([, doc]) => doc.body);
    expect(bodies.length).toBeGreaterThan(8);
    for (const [key, doc] of bodies) expect([key, (doc.body as { additionalProperties?: unknown }).additionalProperties]).toEqual([key, false]);
  });
});
