/**
 * What an admin does to a player, on one server over each engine: adjust a balance (one
 * ledger transaction, never below zero, Idempotency-Key as for plays, a balance_update on the
 * player's sockets), block and unblock (plays, logins, refreshes and sockets refused 403
 * account_blocked; open sockets closed 4003), disconnect (sockets closed 4004, counted), each
 * recorded in the audit log in the transaction that applied it, and nothing recorded for what
 * was refused.
 */
import { describe, expect, it } from 'bun:test';
import { auditLedger } from '../support/ledger-audit';
import { describeEngines } from '../support/server';
import { useServer } from '../support/suite';
import { openUserSocket, upgradeStatus } from '../support/socket';

const INITIAL_CENTS = 1000 * 100;

describeEngines('admin actions on %s', (engine) => {
  const suite = useServer({}, { engine });
  const { sockets } = suite;
  const admin = () => suite.client.loginAdmin();
  const post = async (path: string, body: unknown, headers?: Record<string, string>) => suite.client.post(path, body, (await admin()).access_token, headers);
  const auditCount = async () => Number((await suite.server.store.sql()`SELECT COUNT(*) AS n FROM admin_audit`)[0].n);
  const balanceCents = async (userId: number) => Number((await suite.server.store.sql()`SELECT balance FROM users WHERE id = ${userId}`)[0].balance);

  describe('adjust', () => {
    it("moves the balance by a signed amount in one transaction, records it, and tells the player's sockets", async () => {
      const player = await suite.client.signup('adjusted');
      const socket = sockets.track(await openUserSocket(suite.server.url, player.access_token));
      const credit = await post(`/api/admin/users/${player.user.id}/adjust`, { amount: 12.34, reason: '  goodwill: outage on 16 Aug  ' });
      expect(credit.status).toBe(200);
      expect(credit.json).toEqual({ user: { ...player.user, balance: 1012.34, status: 'active' }, adjustment_id: expect.any(Number) });
      const update = await socket.next('balance_update');
      expect(update).toMatchObject({ user_id: player.user.id, balance: 1012.34, delta: 12.34, reason: 'adjustment', event_id: `adjustment-${credit.json.adjustment_id}` });

      const debit = await post(`/api/admin/users/${player.user.id}/adjust`, { amount: -1012.34, reason: 'chargeback' });
      expect([debit.status, debit.json.user.balance]).toEqual([200, 0]);
      expect((await socket.next('balance_update')).delta).toBe(-1012.34);
      expect(await balanceCents(player.user.id)).toBe(0);

      const me = (await admin()).user;
      const entries = (await suite.client.get(`/api/admin/audit?user_id=${player.user.id}`, (await admin()).access_token)).json.entries;
      expect(entries).toEqual([
        { id: debit.json.adjustment_id, at: expect.any(String), admin_id: me.id, action: 'adjust', user_id: player.user.id, amount: -1012.34, reason: 'chargeback' },
        { id: credit.json.adjustment_id, at: expect.any(String), admin_id: me.id, action: 'adjust', user_id: player.user.id, amount: 12.34, reason: 'goodwill: outage on 16 Aug' },
      ]);
      expect((await auditLedger(suite.server.store.sql(), INITIAL_CENTS)).problems).toEqual([]);
    });

    it('refuses to go below zero with 402 insufficient_funds, changing and recording nothing', async () => {
      const player = await suite.client.signup('poor');
      const socket = sockets.track(await openUserSocket(suite.server.url, player.access_token));
      const before = await auditCount();
      const refused = await post(`/api/admin/users/${player.user.id}/adjust`, { amount: -1000.01, reason: 'too much' });
      expect([refused.status, refused.json.error.code]).toEqual([402, 'insufficient_funds']);
      expect(await balanceCents(player.user.id)).toBe(INITIAL_CENTS);
      expect(await auditCount()).toBe(before);
      await socket.settle();
      expect(socket.all('balance_update')).toEqual([]);
    });

    it('lets only as many concurrent debits through as the balance covers', async () => {
      const player = await suite.client.signup('raced');
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`/api/admin/users/${player.user.id}/adjust`, { amount: -300, reason: `race ${i}` })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 402, 402, 402]);
      expect(await balanceCents(player.user.id)).toBe(INITIAL_CENTS - 90000);
      expect((await auditLedger(suite.server.store.sql(), INITIAL_CENTS)).problems).toEqual([]);
    });

    it('honours an Idempotency-Key as plays do: the first answer again, moved and recorded once', async () => {
      const player = await suite.client.signup('keyed');
      const socket = sockets.track(await openUserSocket(suite.server.url, player.access_token));
      const key = { 'idempotency-key': `bonus-${player.user.id}` };
      const before = await auditCount();
      const answers = await Promise.all([0, 1, 2].map(() => post(`/api/admin/users/${player.user.id}/adjust`, { amount: 5, reason: 'bonus' }, key)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(2);
      expect(await balanceCents(player.user.id)).toBe(INITIAL_CENTS + 500);
      expect(await auditCount()).toBe(before + 1);
      await socket.settle();
      expect(socket.all('balance_update')).toHaveLength(1);
      const reused = await post(`/api/admin/users/${player.user.id}/adjust`, { amount: 6, reason: 'bonus' }, key);
      expect([reused.status, reused.json.error.code]).toEqual([422, 'idempotency_key_reused']);
    });

    it('keeps the ledger exact with adjustments among concurrent plays', async () => {
      const player = await suite.client.signup('busy');
      const work = [
        ...Array.from({ length: 30 }, () => suite.client.play(player.access_token, 'slot', { bet: 7 })),
        ...Array.from({ length: 10 }, (_, i) => post(`/api/admin/users/${player.user.id}/adjust`, { amount: i % 2 ? -3.5 : 4.25, reason: `mixed ${i}` })),
      ];
      const answers = await Promise.all(work);
      expect(answers.every((answer) => answer.status === 200 || answer.status === 402)).toBe(true);
      expect((await auditLedger(suite.server.store.sql(), INITIAL_CENTS)).problems).toEqual([]);
    });

    it('answers each bad request with its code and changes nothing', async () => {
      const player = await suite.client.signup('badly');
      const before = await auditCount();
      const cases = [
        [{ amount: 5 }, 'invalid_reason'],
        [{ amount: 5, reason: '' }, 'invalid_reason'],
        [{ amount: 5, reason: '   ' }, 'invalid_reason'],
        [{ amount: 5, reason: 'x'.repeat(201) }, 'invalid_reason'],
        [{ amount: 0, reason: 'zero' }, 'invalid_amount'],
        [{ amount: 1.234, reason: 'cents' }, 'invalid_amount'],
        [{ amount: '5', reason: 'text' }, 'invalid_amount'],
        [{ amount: 1e13, reason: 'huge' }, 'invalid_amount'],
        [{ reason: 'no amount' }, 'invalid_amount'],
      ] as const;
      for (const [body, code] of cases) {
        const response = await post(`/api/admin/users/${player.user.id}/adjust`, body);
        expect({ body, status: response.status, code: response.json?.error?.code }).toEqual({ body, status: 400, code });
      }
      const badKey = await post(`/api/admin/users/${player.user.id}/adjust`, { amount: 1, reason: 'key' }, { 'idempotency-key': 'has space' });
      expect([badKey.status, badKey.json.error.code]).toEqual([400, 'invalid_idempotency_key']);
      const unknown = await post('/api/admin/users/999999999/adjust', { amount: 1, reason: 'nobody' });
      expect([unknown.status, unknown.json.error.code]).toEqual([404, 'user_not_found']);
      expect(await auditCount()).toBe(before);
      expect(await balanceCents(player.user.id)).toBe(INITIAL_CENTS);
      const asPlayer = await suite.client.post(`/api/admin/users/${player.user.id}/adjust`, { amount: 1, reason: 'me' }, player.access_token);
      expect([asPlayer.status, asPlayer.json.error.code]).toEqual([403, 'forbidden']);
    });
  });

  describe('block and unblock', () => {
    it('closes the open sockets 4003 and refuses plays, logins, refreshes and sockets with 403 account_blocked until unblocked', async () => {
      const player = await suite.client.signup('blocked');
      const socket = sockets.track(await openUserSocket(suite.server.url, player.access_token));
      const blocked = await post(`/api/admin/users/${player.user.id}/block`, { reason: 'abuse in chat' });
      expect(blocked.status).toBe(200);
      expect(blocked.json).toEqual({ user: { ...player.user, status: 'blocked' } });
      expect((await socket.closed).code).toBe(4003);

      const play = await suite.client.play(player.access_token, 'slot', { bet: 1 });
      expect([play.status, play.json.error.code]).toEqual([403, 'account_blocked']);
      expect(await balanceCents(player.user.id)).toBe(INITIAL_CENTS);
      const login = await suite.client.post('/api/auth/login', { username: player.user.username, password: player.password });
      expect([login.status, login.json.error.code]).toEqual([403, 'account_blocked']);
      // A wrong password is still just wrong: being blocked is told only to whoever knows it.
      expect((await suite.client.post('/api/auth/login', { username: player.user.username, password: 'wrong-password' })).status).toBe(401);
      const refresh = await suite.client.post('/api/auth/refresh', { refresh_token: player.refresh_token });
      expect([refresh.status, refresh.json.error.code]).toEqual([403, 'account_blocked']);
      const upgrade = await upgradeStatus(suite.server.url, '/api/games/ws', { authorization: `Bearer ${player.access_token}` });
      expect([upgrade.status, upgrade.body.error.code]).toEqual([403, 'account_blocked']);
      const profile = await suite.client.get(`/api/admin/users/${player.user.id}`, (await admin()).access_token);
      expect(profile.json.user.status).toBe('blocked');
      expect(profile.json.audit.map((entry: { action: string; reason: string }) => [entry.action, entry.reason])).toEqual([['block', 'abuse in chat']]);

      const unblocked = await post(`/api/admin/users/${player.user.id}/unblock`, { reason: 'appeal accepted' });
      expect([unblocked.status, unblocked.json.user.status]).toEqual([200, 'active']);
      expect((await suite.client.play(player.access_token, 'slot', { bet: 1 })).status).toBe(200);
      // The block revoked the refresh tokens: the player logs in again.
      expect((await suite.client.post('/api/auth/refresh', { refresh_token: player.refresh_token })).status).toBe(401);
      expect((await suite.client.post('/api/auth/login', { username: player.user.username, password: player.password })).status).toBe(200);
      expect((await upgradeStatus(suite.server.url, '/api/games/ws', { authorization: `Bearer ${player.access_token}` })).status).toBe(101);
    });

    it('refuses a block without a reason, of oneself, or of nobody, recording nothing', async () => {
      const player = await suite.client.signup('kept');
      const me = await admin();
      const before = await auditCount();
      const noReason = await post(`/api/admin/users/${player.user.id}/block`, {});
      expect([noReason.status, noReason.json.error.code]).toEqual([400, 'invalid_reason']);
      const self = await post(`/api/admin/users/${me.user.id}/block`, { reason: 'oops' });
      expect([self.status, self.json.error.code]).toEqual([400, 'cannot_block_self']);
      const nobody = await post('/api/admin/users/999999999/block', { reason: 'ghost' });
      expect([nobody.status, nobody.json.error.code]).toEqual([404, 'user_not_found']);
      expect(await auditCount()).toBe(before);
    });
  });

  describe('disconnect', () => {
    it("closes every one of the player's sockets 4004, says how many, records it, and lets them reconnect", async () => {
      const player = await suite.client.signup('kicked');
      const [first, second] = [sockets.track(await openUserSocket(suite.server.url, player.access_token)), sockets.track(await openUserSocket(suite.server.url, player.access_token))];
      const response = await post(`/api/admin/users/${player.user.id}/disconnect`, { reason: 'stuck session' });
      expect([response.status, response.json]).toEqual([200, { closed: 2 }]);
      expect([(await first.closed).code, (await second.closed).code]).toEqual([4004, 4004]);
      const again = sockets.track(await openUserSocket(suite.server.url, player.access_token));
      expect(again.received[0]!.type).toBe('ws_ack');
      const none = await post(`/api/admin/users/${(await suite.client.signup('idle')).user.id}/disconnect`, { reason: 'nothing open' });
      expect(none.json).toEqual({ closed: 0 });
      const [latest] = (await suite.client.get('/api/admin/audit?limit=2', (await admin()).access_token)).json.entries;
      expect(latest).toMatchObject({ action: 'disconnect', reason: 'nothing open' });
      expect(latest.amount).toBeUndefined();
    });
  });

  describe('the audit log', () => {
    it('lists every action newest first in pages, and cannot be rewritten', async () => {
      const token = (await admin()).access_token;
      const all: number[] = [];
      let before: number | null = null;
      do {
        const page = await suite.client.get(`/api/admin/audit?limit=3${before === null ? '' : `&before=${before}`}`, token);
        expect(page.status).toBe(200);
        all.push(...page.json.entries.map((entry: { id: number }) => entry.id));
        before = page.json.next_before;
      } while (before !== null);
      expect(all.length).toBe(await auditCount());
      expect(all).toEqual([...all].sort((a, b) => b - a));
      for (const query of ['limit=0', 'limit=101', 'before=x', 'user_id=-1']) {
        expect((await suite.client.get(`/api/admin/audit?${query}`, token)).status).toBe(400);
      }
      expect((await suite.client.request('DELETE', '/api/admin/audit', { token })).status).toBe(405);
      const sql = suite.server.store.sql();
      await expect(sql`UPDATE admin_audit SET reason = 'rewritten'`).rejects.toThrow(/append-only/);
      await expect(sql`DELETE FROM admin_audit`).rejects.toThrow(/append-only/);
      expect(await auditCount()).toBe(all.length);
    });
  });
});
