import { describe, expect, it } from 'bun:test';
import { useServer } from '../support/suite';

const shared = useServer();

describe('GET /api/admin/users', () => {
  it('names the users behind ids, once each, leaving unknown ids out', async () => {
    const { client } = shared;
    const [alice, bob] = [await client.signup('alice'), await client.signup('bob')];
    const admin = await client.loginAdmin();
    const response = await client.get(`/api/admin/users?ids=${bob.user.id},${alice.user.id},${bob.user.id},999999`, admin.access_token);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      users: [
        { id: alice.user.id, username: alice.user.username, role: 'user', balance: 1000 },
        { id: bob.user.id, username: bob.user.username, role: 'user', balance: 1000 },
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
    expect((await shared.client.get(`/api/admin/users?ids=${player.user.id}`)).status).toBe(401);
    const asPlayer = await shared.client.get(`/api/admin/users?ids=${player.user.id}`, player.access_token);
    expect(asPlayer.status).toBe(403);
    expect(asPlayer.json.error.code).toBe('forbidden');
  });
});
