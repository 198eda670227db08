/**
 * Players in the back office: the accounts behind ids, accounts by username prefix, and one
 * player's profile (status, totals of all time from the ledger, newest events), on both engines.
 */
import { describe, expect, it } from 'bun:test';
import { GAME_NAMES, type GameName } from '../support/client';
import { describeEngines } from '../support/server';
import { useServer } from '../support/suite';

describeEngines('the back office players on %s', (engine) => {
  const shared = useServer({}, { engine });

  describe('GET /api/admin/users?ids=', () => {
    it('names the users behind ids, once each, leaving unknown ids out', async () => {
      const { client } = shared;
      const [alice, bob] = [await client.signup('alice'), await client.signup('bob')];
      const admin = await client.loginAdmin();
      const response = await client.get(`/api/admin/users?ids=${bob.user.id},${alice.user.id},${bob.user.id},999999`, admin.access_token);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({
        users: [
          { id: alice.user.id, username: alice.user.username, role: 'user', balance: 1000, status: 'active' },
          { id: bob.user.id, username: bob.user.username, role: 'user', balance: 1000, status: 'active' },
        ],
      });
    });

    it('takes up to 100 ids', async () => {
      const admin = await shared.client.loginAdmin();
      const ids = Array.from({ length: 100 }, (_, i) => i + 1).join(',');
      const response = await shared.client.get(`/api/admin/users?ids=${ids}`, admin.access_token);
      expect(response.status).toBe(200);
      expect(response.json.users.map((u: { id: number }) => u.id)).toContain(admin.user.id);
    });

    it('refuses a list that is not 1 to 100 integer ids', async () => {
      const admin = await shared.client.loginAdmin();
      const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
      for (const query of ['', '?ids=', '?ids=1,x', '?ids=-1', '?ids=1.5', '?ids=1,,2', `?ids=${'9'.repeat(16)}`, `?ids=${tooMany}`]) {
        const response = await shared.client.get(`/api/admin/users${query}`, admin.access_token);
        expect({ query, status: response.status, code: response.json?.error?.code }).toEqual({ query, status: 400, code: 'invalid_ids' });
      }
    });

    it('is for admins only: 401 without a token, 403 for a player', async () => {
      const player = await shared.client.signup();
      for (const path of [`/api/admin/users?ids=${player.user.id}`, '/api/admin/users?q=a', `/api/admin/users/${player.user.id}`]) {
        expect((await shared.client.get(path)).status).toBe(401);
        const asPlayer = await shared.client.get(path, player.access_token);
        expect([asPlayer.status, asPlayer.json.error.code]).toEqual([403, 'forbidden']);
      }
    });
  });

  describe('GET /api/admin/users?q=', () => {
    it('finds the accounts whose name starts with the prefix, in any case, by name, up to limit', async () => {
      const { client } = shared;
      const stamp = `${engine}${Date.now() % 100000}`;
      const names = [`Zed_${stamp}_b`, `zed_${stamp}_a`, `zed_${stamp}x`, `zedo${stamp}`];
      for (const username of names) expect((await client.post('/api/auth/signup', { username, password: 'correct-horse-battery' })).status).toBe(201);
      const admin = await client.loginAdmin();
      const found = async (query: string) => (await client.get(`/api/admin/users?${query}`, admin.access_token)).json.users.map((u: { username: string }) => u.username);
      // `_` is a letter of the prefix, not LIKE's any-character: zed_<stamp>x matches, zedo<stamp> does not.
      expect(await found(`q=ZED_${stamp}`)).toEqual([`zed_${stamp}_a`, `Zed_${stamp}_b`, `zed_${stamp}x`]);
      expect(await found(`q=zed_${stamp}_&limit=1`)).toEqual([`zed_${stamp}_a`]);
      expect(await found(`q=zedo${stamp}`)).toEqual([`zedo${stamp}`]);
      expect(await found('q=nobody_has_this_name')).toEqual([]);
      const answer = await client.get(`/api/admin/users?q=zedo${stamp}`, admin.access_token);
      expect(answer.json.users[0]).toEqual({ id: expect.any(Number), username: `zedo${stamp}`, role: 'user', balance: 1000, status: 'active' });
    });

    it('refuses a prefix that cannot be a name, a bad limit, and ids beside q', async () => {
      const admin = await shared.client.loginAdmin();
      const cases = [
        ['q=', 'invalid_q'],
        ['q=a%25', 'invalid_q'],
        ['q=a b', 'invalid_q'],
        [`q=${'a'.repeat(33)}`, 'invalid_q'],
        ['q=a&limit=0', 'invalid_limit'],
        ['q=a&limit=101', 'invalid_limit'],
        ['q=a&ids=1', 'invalid_query'],
      ] as const;
      for (const [query, code] of cases) {
        const response = await shared.client.get(`/api/admin/users?${query}`, admin.access_token);
        expect({ query, status: response.status, code: response.json?.error?.code }).toEqual({ query, status: 400, code });
      }
    });
  });

  describe('GET /api/admin/users/{id}', () => {
    it("shows a player's account, status, totals of all time and newest events, from the ledger", async () => {
      const { client } = shared;
      const player = await client.signup('profile');
      const plays: { game: GameName; bet: number; payout: number; eventId: string }[] = [];
      for (let i = 0; i < 25; i++) {
        const game = GAME_NAMES[i % GAME_NAMES.length]!;
        const response = await client.play(player.access_token, game, { bet: 1 + (i % 3) });
        expect(response.status).toBe(200);
        plays.push({ game, bet: response.json.bet, payout: response.json.result.payout, eventId: response.json.event_id });
      }
      const admin = await client.loginAdmin();
      const response = await client.get(`/api/admin/users/${player.user.id}`, admin.access_token);
      expect(response.status).toBe(200);
      const cents = (n: number) => Math.round(n * 100);
      const totals = (of: typeof plays) => {
        const bet = of.reduce((sum, p) => sum + cents(p.bet), 0);
        const payout = of.reduce((sum, p) => sum + cents(p.payout), 0);
        return { plays: of.length, bet: bet / 100, payout: payout / 100, ggr: (bet - payout) / 100, rtp: bet === 0 ? null : payout / bet };
      };
      const all = totals(plays);
      expect(response.json.user).toEqual({ ...player.user, balance: 1000 - all.ggr, status: 'active', created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
      expect(response.json.totals).toEqual({ games: Object.fromEntries(GAME_NAMES.map((game) => [game, totals(plays.filter((p) => p.game === game))])), all });
      expect(response.json.recent_events.map((event: { event_id: string }) => event.event_id)).toEqual(plays.slice(-20).reverse().map((p) => p.eventId));
    });

    it('answers 404 for an unknown player and 400 for an id that is not one', async () => {
      const admin = await shared.client.loginAdmin();
      const unknown = await shared.client.get('/api/admin/users/999999999', admin.access_token);
      expect([unknown.status, unknown.json.error.code]).toEqual([404, 'user_not_found']);
      for (const id of ['0', 'x', '1.5', '-3', '9'.repeat(16)]) {
        const response = await shared.client.get(`/api/admin/users/${id}`, admin.access_token);
        expect({ id, status: response.status, code: response.json?.error?.code }).toEqual({ id, status: 400, code: 'invalid_user_id' });
      }
    });
  });
});
