/**
 * Refresh tokens: random, stored only as a hash, good for 30 days, spent on use. Presenting a
 * spent one revokes its whole family; logging out revokes it too.
 */
import { describe, expect, it } from 'bun:test';
import { describeEngines } from '../support/server';
import { useServer } from '../support/suite';

const sha256 = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest('hex');

describeEngines('refresh tokens on %s', (engine) => {
  const shared = useServer({}, { engine });
  /** The test server's database, beside the server (SQLite is in WAL mode, so it may keep going). */
  const database = () => shared.server.store.sql();

  const refresh = (token: string) => shared.client.post('/api/auth/refresh', { refresh_token: token });

  /** Both the status and the error code of a refused refresh. */
  async function refreshRefusal(token: string): Promise<[number, string]> {
    const response = await refresh(token);
    return [response.status, response.json?.error?.code];
  }

  describe('issuing', () => {
    it('returns a refresh token from signup and from login, random and stored only as its hash', async () => {
      const signedUp = await shared.client.signup();
      const loggedIn = await shared.client.post('/api/auth/login', { username: signedUp.user.username, password: signedUp.password });
      const tokens = [signedUp.refresh_token, loggedIn.json.refresh_token as string];
      for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
      expect(tokens[0]).not.toBe(tokens[1]);

      const rows: Record<string, unknown>[] = await database()`SELECT * FROM refresh_tokens WHERE user_id = ${signedUp.user.id}`;
      expect(rows.map((row) => row.token_hash).sort()).toEqual(tokens.map(sha256).sort());
      const stored = JSON.stringify(rows);
      for (const token of tokens) expect(stored).not.toContain(token);
      // Two logins, two families: revoking one session leaves the other.
      expect(new Set(rows.map((row) => row.family)).size).toBe(2);
    });

    it('lives 30 days', async () => {
      const user = await shared.client.signup();
      const [row] = await database()`SELECT created_at, expires_at FROM refresh_tokens WHERE token_hash = ${sha256(user.refresh_token)}`;
      expect(Number(row.expires_at) - Number(row.created_at)).toBe(30 * 86_400 * 1000);
      expect(shared.server.config.REFRESH_TTL_SECONDS).toBe(30 * 86_400);
    });
  });

  describe('rotation', () => {
    it('answers a token response with a new refresh token and a working access token', async () => {
      const user = await shared.client.signup();
      const response = await refresh(user.refresh_token);
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ token_type: 'bearer', expires_in: 900, user: { id: user.user.id } });
      expect(response.json.refresh_token).not.toBe(user.refresh_token);
      expect((await shared.client.get('/api/auth/me', response.json.access_token)).json.id).toBe(user.user.id);
      // The new one rotates in turn.
      expect((await refresh(response.json.refresh_token)).status).toBe(200);
    });

    it('revokes the whole family when a spent token is presented again', async () => {
      const user = await shared.client.signup();
      const second = (await refresh(user.refresh_token)).json.refresh_token as string;
      const third = (await refresh(second)).json.refresh_token as string;

      // The first token, long spent, comes back: stolen or replayed.
      expect(await refreshRefusal(user.refresh_token)).toEqual([401, 'refresh_token_reused']);
      // Its whole family is now dead, including the newest token the legitimate client holds.
      expect(await refreshRefusal(third)).toEqual([401, 'refresh_token_reused']);
      expect(await refreshRefusal(second)).toEqual([401, 'refresh_token_reused']);
    });

    it('leaves the other sessions of the same user alone when one family is revoked', async () => {
      const user = await shared.client.signup();
      const other = await shared.client.post('/api/auth/login', { username: user.user.username, password: user.password });
      await refresh(user.refresh_token);
      await refresh(user.refresh_token); // reuse: revokes the signup's family
      expect((await refresh(other.json.refresh_token)).status).toBe(200);
    });

    it('lets only one of two simultaneous uses of a token through', async () => {
      const user = await shared.client.signup();
      const statuses = (await Promise.all([refresh(user.refresh_token), refresh(user.refresh_token)])).map((r) => r.status);
      expect(statuses.sort()).toEqual([200, 401]);
    });

    it('refuses an expired, an unknown and a malformed refresh token', async () => {
      const user = await shared.client.signup();
      await database()`UPDATE refresh_tokens SET expires_at = ${Date.now() - 1} WHERE token_hash = ${sha256(user.refresh_token)}`;
      expect(await refreshRefusal(user.refresh_token)).toEqual([401, 'invalid_refresh_token']);
      expect(await refreshRefusal('A'.repeat(43))).toEqual([401, 'invalid_refresh_token']);
      // An access token is not a refresh token.
      expect(await refreshRefusal(user.access_token)).toEqual([401, 'invalid_refresh_token']);
      for (const body of [{}, { refresh_token: '' }, { refresh_token: 'x'.repeat(257) }, { refresh_token: 42 }]) {
        const response = await shared.client.post('/api/auth/refresh', body);
        expect([response.status, response.json.error.code]).toEqual([400, 'invalid_refresh_token']);
      }
    });
  });

  describe('logout', () => {
    it('revokes the refresh token (204), so it can no longer be used', async () => {
      const user = await shared.client.signup();
      const rotated = (await refresh(user.refresh_token)).json.refresh_token as string;
      const response = await shared.client.post('/api/auth/logout', { refresh_token: rotated });
      expect(response.status).toBe(204);
      expect((await refresh(rotated)).status).toBe(401);
    });

    it('answers 204 for an unknown token too, telling nothing', async () => {
      expect((await shared.client.post('/api/auth/logout', { refresh_token: 'B'.repeat(43) })).status).toBe(204);
    });
  });
});
