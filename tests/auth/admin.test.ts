/** API.md: with ADMIN_USERNAME and ADMIN_PASSWORD set, that admin is created, or made so. */
import { afterEach, describe, expect, it } from 'bun:test';
import { api } from '../support/client';
import { describeEngines, startTestServer, testStore, type TestServer, type TestStore } from '../support/server';
import { openMonitor, upgradeStatus } from '../support/socket';

let store: TestStore | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  await store?.remove();
  [server, store] = [undefined, undefined];
});

describeEngines('the configured admin on %s', (engine) => {
  it('turns an existing account into the admin, with the configured password, keeping its balance', async () => {
    store = await testStore(engine);
    server = await startTestServer({}, { store });
    const client = api(server.url);
    const boss = await client.signup('boss');
    await client.play(boss.access_token, 'slot', { bet: 5 });
    const balance = await client.balance(boss.access_token);
    const asUser = await upgradeStatus(server.url, '/api/games/ws/monitor', { authorization: `Bearer ${boss.access_token}` });
    expect(asUser.status).toBe(403);
    await server.close();

    const newPassword = 'configured-admin-password';
    server = await startTestServer({ ADMIN_USERNAME: boss.user.username, ADMIN_PASSWORD: newPassword }, { store });
    const restarted = api(server.url);
    expect((await restarted.post('/api/auth/login', { username: boss.user.username, password: boss.password })).status).toBe(401);
    const login = await restarted.post('/api/auth/login', { username: boss.user.username, password: newPassword });
    expect(login.status).toBe(200);
    expect(login.json.user).toEqual({ id: boss.user.id, username: boss.user.username, role: 'admin', balance });
    const { socket, snapshot } = await openMonitor(server.url, login.json.access_token);
    expect(snapshot.type).toBe('monitor_snapshot');
    socket.close();
  });

  it('creates the admin on a fresh database, and leaves it alone when the variables are unset', async () => {
    store = await testStore(engine);
    server = await startTestServer({ ADMIN_USERNAME: 'chief', ADMIN_PASSWORD: 'chief-password-1' }, { store });
    const created = await api(server.url).post('/api/auth/login', { username: 'chief', password: 'chief-password-1' });
    expect(created.json.user.role).toBe('admin');
    await server.close();

    server = await startTestServer({ ADMIN_USERNAME: undefined, ADMIN_PASSWORD: undefined }, { store });
    const again = await api(server.url).post('/api/auth/login', { username: 'chief', password: 'chief-password-1' });
    expect(again.json.user.role).toBe('admin');
  });
});
