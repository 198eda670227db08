/** Errors that say what to do: the media type to send, the choices allowed, the methods served. */
import { describe, expect, it } from 'bun:test';
import { useServer } from '../support/suite';

const suite = useServer();
const SPIN = '/api/games/slot/spin';

describe('content types', () => {
  it('answers a non-JSON body 415 unsupported_media_type naming application/json', async () => {
    const player = await suite.client.signup();
    for (const contentType of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const response = await suite.client.request('POST', SPIN, { body: '{"bet":1}', token: player.access_token, headers: { 'content-type': contentType } });
      expect({ contentType, status: response.status, code: response.json.error.code }).toEqual({ contentType, status: 415, code: 'unsupported_media_type' });
      expect(response.json.error.message).toContain('application/json');
    }
    expect(await suite.client.balance(player.access_token)).toBe(player.user.balance);
  });

  it('compares media types case-insensitively and allows parameters', async () => {
    const player = await suite.client.signup();
    for (const contentType of ['Application/JSON; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8']) {
      const response = await suite.client.request('POST', SPIN, { body: '{"bet":1}', token: player.access_token, headers: { 'content-type': contentType } });
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 200 });
    }
  });

  it('still authenticates first: no token and a non-JSON body is 401', async () => {
    const response = await suite.client.request('POST', SPIN, { body: 'bet=1', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(401);
  });
});

describe('choices', () => {
  it('names rock, paper and scissors when a choice is none of them', async () => {
    const player = await suite.client.signup();
    const response = await suite.client.post('/api/games/rps/play', { bet: 1, choice: 'lizard' }, player.access_token);
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('invalid_choice');
    expect(response.json.error.message).toBe('choice: must be one of rock, paper, scissors');
  });
});

describe('methods', () => {
  it('answers a known path asked with the wrong method 405 with an Allow header', async () => {
    for (const [method, path, allow] of [
      ['GET', SPIN, 'POST'],
      ['DELETE', '/api/auth/me', 'GET'],
      ['POST', '/api/games/history', 'GET'],
    ] as const) {
      const response = await suite.client.request(method, path);
      expect({ path, status: response.status, code: response.json?.error?.code, allow: response.headers.get('allow') }).toEqual({ path, status: 405, code: 'method_not_allowed', allow });
    }
  });

  it('still answers an unknown path 404', async () => {
    const response = await suite.client.request('GET', '/api/nothing/here');
    expect([response.status, response.json.error.code]).toEqual([404, 'not_found']);
  });
});
