/**
 * The refusals API.md lists, each with its status and error code, and each changing nothing:
 * the balance stays, and no game_event reaches the player's socket.
 */
import { beforeAll, describe, expect, it } from 'bun:test';
import type { Api } from '../support/client';
import type { TestServer } from '../support/server';
import { upgradeStatus } from '../support/socket';
import { useApp, useServer, type Player } from '../support/suite';

const fixture = useServer({}, { withPlayer: true });
let server: TestServer;
let client: Api;
let player: Player;
beforeAll(() => ({ server, client, player } = fixture));

/** Runs `act` and proves it charged nothing and emitted nothing (tests/support/client.ts). */
const expectNothingChanged = (act: () => Promise<unknown>) => fixture.nothingCharged(act);

describe('authentication refusals', () => {
  const forged = (token: string) => token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');

  it('refuses a game request without, with a malformed, and with a forged token: 401', async () => {
    await expectNothingChanged(async () => {
      for (const token of [undefined, 'not-a-jwt', forged(player.access_token)]) {
        const response = await client.play(token as string, 'slot');
        expect(response.status).toBe(401);
        expect(response.json.error.code).toBe('unauthorized');
      }
      const wrongScheme = await client.request('POST', '/api/games/slot/spin', { body: { bet: 1 }, headers: { authorization: `Basic ${player.access_token}` } });
      expect(wrongScheme.status).toBe(401);
    });
  });

  it('authenticates before it validates: no token and a bad body is 401, not 400', async () => {
    await expectNothingChanged(async () => {
      for (const token of [undefined, forged(player.access_token)]) {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const response = await client.request('POST', '/api/games/slot/spin', { body: { bet: 'lots' }, headers });
        expect(response.status).toBe(401);
        expect(response.json.error.code).toBe('unauthorized');
      }
    });
  });

  it('refuses /api/auth/me without a valid token', async () => {
    expect((await client.get('/api/auth/me')).status).toBe(401);
    expect((await client.get('/api/auth/me', forged(player.access_token))).json.error.code).toBe('unauthorized');
  });

  it('refuses a socket upgrade with a missing or bad token (401) and a non-admin monitor (403)', async () => {
    expect((await upgradeStatus(server.url, '/api/games/ws')).status).toBe(401);
    const forgedUpgrade = await upgradeStatus(server.url, '/api/games/ws', { authorization: `Bearer ${forged(player.access_token)}` });
    expect(forgedUpgrade).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } });
    const monitor = await upgradeStatus(server.url, '/api/games/ws/monitor', { authorization: `Bearer ${player.access_token}` });
    expect(monitor.status).toBe(403);
    expect(monitor.body.error.code).toBe('forbidden');
    expect((await upgradeStatus(server.url, '/api/games/ws/monitor')).status).toBe(401);
  });
});

describe('bad bodies', () => {
  const cases: [string, 'slot' | 'rps' | 'gacha' | 'crash', unknown, string][] = [
    ['a negative bet', 'slot', { bet: -5 }, 'invalid_bet'],
    ['a zero bet', 'gacha', { bet: 0 }, 'invalid_bet'],
    ['a bet with three decimals', 'slot', { bet: 1.005 }, 'invalid_bet'],
    ['a bet as a string', 'slot', { bet: '10' }, 'invalid_bet'],
    ['a missing bet', 'gacha', {}, 'invalid_bet'],
    ['a bet above MAX_BET', 'slot', { bet: 100_000.01 }, 'invalid_bet'],
    ['an unknown choice', 'rps', { bet: 1, choice: 'lizard' }, 'invalid_choice'],
    ['a missing choice', 'rps', { bet: 1 }, 'invalid_choice'],
    ['a cashout below 1.01', 'crash', { bet: 1, cashout: 1 }, 'invalid_cashout'],
    ['a cashout with three decimals', 'crash', { bet: 1, cashout: 2.005 }, 'invalid_cashout'],
  ];
  for (const [name, game, body, code] of cases) {
    it(`refuses ${name} with 400 ${code} and charges nothing`, async () => {
      await expectNothingChanged(async () => {
        const response = await client.request('POST', `/api/games/${{ slot: 'slot/spin', rps: 'rps/play', gacha: 'gacha/pull', crash: 'crash/bet' }[game]}`, { body, token: player.access_token });
        expect(response.status).toBe(400);
        expect(response.json.error).toEqual({ code, message: expect.any(String) });
      });
    });
  }

  it('refuses a field it does not know with 400 invalid_body (tests/http/bodies.test.ts has the rest)', async () => {
    await expectNothingChanged(async () => {
      const response = await client.play(player.access_token, 'slot', { bet: 1, note: 'from a newer client' });
      expect([response.status, response.json.error.code]).toEqual([400, 'invalid_body']);
    });
  });

  it('refuses a body that is not JSON with 400 bad_json', async () => {
    await expectNothingChanged(async () => {
      const response = await client.request('POST', '/api/games/slot/spin', { body: '{"bet": 1', token: player.access_token, headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('bad_json');
    });
  });

  it('refuses a bet above the balance with insufficient_funds', async () => {
    await expectNothingChanged(async () => {
      const balance = await client.balance(player.access_token);
      const response = await client.play(player.access_token, 'crash', { bet: balance + 1 });
      expect(response.status).toBe(402);
      expect(response.json.error.code).toBe('insufficient_funds');
    });
  });
});

describe('accounts', () => {
  it('signs up (201) with the documented token response, and refuses a taken name (409)', async () => {
    const username = `fresh_${process.pid}`;
    const created = await client.post('/api/auth/signup', { username, password: 'password-1' });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      user: { id: expect.any(Number), username, role: 'user', balance: 1000 },
    });
    const taken = await client.post('/api/auth/signup', { username: username.toUpperCase(), password: 'password-2' });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('username_taken');
  });

  it('logs in (200) and refuses a wrong password or unknown user alike (401)', async () => {
    const ok = await client.post('/api/auth/login', { username: player.user.username, password: player.password });
    expect(ok.status).toBe(200);
    expect(ok.json.user.id).toBe(player.user.id);
    const wrong = await client.post('/api/auth/login', { username: player.user.username, password: 'wrong-password' });
    const unknown = await client.post('/api/auth/login', { username: 'nobody_here', password: 'wrong-password' });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.json).toEqual(unknown.json);
  });

  it('makes the configured admin an admin', async () => {
    const admin = await client.loginAdmin();
    expect(admin.user.role).toBe('admin');
    expect((await client.get('/api/auth/me', admin.access_token)).json.role).toBe('admin');
  });
});

describe('account rules (the app alone, no listener)', () => {
  const alone = useApp();
  const cases: [string, { username: string; password: string }, string][] = [
    ['a name under 3 characters', { username: 'ab', password: 'password-1' }, 'invalid_username'],
    ['a name with a space', { username: 'no spaces', password: 'password-1' }, 'invalid_username'],
    ['a name over 32 characters', { username: 'x'.repeat(33), password: 'password-1' }, 'invalid_username'],
    ['a password under 8 characters', { username: 'shortpass', password: 'seven77' }, 'invalid_password'],
  ];
  for (const [name, body, code] of cases) {
    it(`refuses a signup with ${name}: 400 ${code}, creating no user`, async () => {
      const response = await alone.client.post('/api/auth/signup', body);
      expect([response.status, response.json.error.code]).toEqual([400, code]);
      const [{ users }] = await alone.db.sql`SELECT COUNT(*) AS users FROM users WHERE username_key = ${body.username.toLowerCase()}`;
      expect(Number(users)).toBe(0);
    });
  }
});

describe('the rest of the contract', () => {
  it('answers the legacy /ws/games with 410 naming the new endpoints', async () => {
    const response = await client.get('/ws/games');
    expect(response.status).toBe(410);
    expect(response.json.error.message).toContain('/api/games/ws');
    expect(response.json.error.message).toContain('/api/games/ws/monitor');
    expect((await upgradeStatus(server.url, '/ws/games')).status).toBe(410);
  });

  it('answers /health with 200', async () => {
    const response = await client.get('/health');
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('ok');
  });

  it('answers an unknown path with a JSON 404', async () => {
    const response = await client.get('/api/nope');
    expect(response.status).toBe(404);
    expect(response.json.error.code).toBe('not_found');
  });
});
