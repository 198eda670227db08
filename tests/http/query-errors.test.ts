/**
 * A bad query parameter is answered with the parameter's own code (`invalid_limit`,
 * `invalid_before`, …) and a message that names it, on every route that reads a query; a
 * refused signup says its rule in words, never a schema's pattern.
 */
import { beforeAll, describe, expect, it } from 'bun:test';
import type { TokenResponse } from '../../client/protocol/auth';
import { operations } from '../../src/docs/operations';
import type { Api } from '../support/client';
import { upgradeStatus } from '../support/socket';
import { useServer, type Player } from '../support/suite';

const fixture = useServer({}, { withPlayer: true });
let client: Api;
let player: Player;
let admin: TokenResponse;
beforeAll(async () => {
  ({ client, player } = fixture);
  admin = await client.loginAdmin();
});

const refusal = async (path: string, token: string) => {
  const response = await client.get(path, token);
  return [response.status, response.json?.error?.code, response.json?.error?.message];
};

describe('GET /api/games/fairness/revealed', () => {
  const cases: [string, string][] = [
    ['limit=1000', 'invalid_limit'],
    ['limit=0', 'invalid_limit'],
    ['limit=abc', 'invalid_limit'],
    ['limit=1.5', 'invalid_limit'],
    ['limit=', 'invalid_limit'],
    ['before=abc', 'invalid_before'],
    ['before=0', 'invalid_before'],
    ['before=-3', 'invalid_before'],
  ];
  for (const [query, code] of cases) {
    it(`answers ?${query} with 400 ${code}, naming the parameter`, async () => {
      const [status, answered, message] = await refusal(`/api/games/fairness/revealed?${query}`, player.access_token);
      expect([status, answered]).toEqual([400, code]);
      expect(message).toStartWith(`${code.slice('invalid_'.length)} must be`);
    });
  }

  it('still pages with good values and ignores a parameter it does not read', async () => {
    const response = await client.get('/api/games/fairness/revealed?limit=100&before=5&_=123', player.access_token);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ seeds: [], next_before: null });
  });
});

describe('history and admin events', () => {
  it('answers an over-long limit, before, user_id or game_type with its own code, not invalid_body', async () => {
    const long = '9'.repeat(41);
    expect(await refusal(`/api/games/history?limit=12345`, player.access_token)).toEqual([400, 'invalid_limit', 'limit must be an integer from 1 to 100']);
    expect((await refusal(`/api/games/history?before=${long}`, player.access_token)).slice(0, 2)).toEqual([400, 'invalid_before']);
    for (const [name, code] of [['limit', 'invalid_limit'], ['before', 'invalid_before'], ['user_id', 'invalid_user_id'], ['game_type', 'invalid_game_type']]) {
      const [status, answered, message] = await refusal(`/api/admin/events?${name}=${long}`, admin.access_token);
      expect([name, status, answered]).toEqual([name, 400, code]);
      expect(message).toStartWith(`${name} must be`);
    }
  });
});

describe('every documented query parameter', () => {
  it('answers a bad value with invalid_<parameter>', async () => {
    const withQuery = Object.entries(operations).filter(([key, doc]) => key.startsWith('GET ') && doc.query);
    expect(withQuery.map(([key]) => key).sort()).toEqual(['GET /api/admin/audit', 'GET /api/admin/events', 'GET /api/admin/stats', 'GET /api/admin/users', 'GET /api/games/fairness/revealed', 'GET /api/games/history']);
    for (const [key, doc] of withQuery) {
      const path = key.slice('GET '.length);
      const token = doc.access === 'admin' ? admin.access_token : player.access_token;
      for (const name of Object.keys(doc.query!.properties)) {
        for (const bad of ['x'.repeat(50), '-1', '']) {
          const [status, code, message] = await refusal(`${path}?${name}=${bad}`, token);
          expect([path, name, bad, status, code]).toEqual([path, name, bad, 400, `invalid_${name}`]);
          expect(message).toContain(name);
        }
      }
    }
  });
});

describe('the monitor upgrade', () => {
  it('names the filter parameter that failed', async () => {
    for (const name of ['user_id', 'min_bet', 'min_multiplier']) {
      const answer = await upgradeStatus(fixture.server.url, `/api/games/ws/monitor?${name}=abc`, { authorization: `Bearer ${admin.access_token}` });
      expect([answer.status, answer.body.error.code]).toEqual([400, 'invalid_filter']);
      expect(answer.body.error.message).toStartWith(`${name} must be`);
    }
    const games = await upgradeStatus(fixture.server.url, '/api/games/ws/monitor?games=poker', { authorization: `Bearer ${admin.access_token}` });
    expect(games.body.error.message).toStartWith('games must be');
  });
});

describe('signup rules in words', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ username: 'ab', password: 'password-1' }, 'invalid_username', 'username must be 3 to 32 letters, digits or underscores'],
    [{ username: 'no spaces', password: 'password-1' }, 'invalid_username', 'username must be 3 to 32 letters, digits or underscores'],
    [{ username: 'ok_name', password: 'short' }, 'invalid_password', 'password must be 8 to 128 characters'],
  ];
  for (const [body, code, message] of cases) {
    it(`says "${message}"`, async () => {
      const response = await client.post('/api/auth/signup', body);
      expect([response.status, response.json.error]).toEqual([400, { code, message }]);
    });
  }

  it('says the client seed rule in words', async () => {
    const response = await client.request('PUT', '/api/games/fairness/client-seed', { body: { client_seed: 'has space' }, token: player.access_token });
    expect([response.status, response.json.error.code]).toEqual([400, 'invalid_body']);
    expect(response.json.error.message).toBe('client_seed must be 1 to 64 printable ASCII characters, no spaces');
  });
});
