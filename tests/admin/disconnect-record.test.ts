/**
 * A disconnect is told to the other instances inside its transaction (so a broker that refuses
 * it rolls its audit row back). When the commit then fails, the sockets are closing everywhere:
 * the action was applied, so it must still be recorded (issue 19: "one that was applied is
 * recorded"), once the database takes the row.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import type { SQL } from 'bun';
import { AdminActions, type ActionDeps } from '../../src/admin/actions';
import { api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer | undefined;
afterEach(async () => server?.stop());

/** The server's database, whose next `failing` transactions get as far as their commit and then fail. */
function failingCommits(sql: SQL, failing: number): SQL {
  let left = failing;
  const begin = (work: (tx: SQL) => Promise<unknown>) =>
    sql.begin(async (tx) => {
      const result = await work(tx);
      if (left-- > 0) throw new Error('connection lost at COMMIT');
      return result;
    });
  return new Proxy(sql, { get: (target, name) => (name === 'begin' ? begin : Reflect.get(target, name)) });
}

function actions(sql: SQL, told: number[]): AdminActions {
  const control = {
    announceClose: async (userId: number) => {
      told.push(userId);
      return { counted: Promise.resolve(2) };
    },
    closeHere: () => 1,
  };
  return new AdminActions({ sql, control, isBrokerConnected: () => true } as unknown as ActionDeps);
}

describe('a disconnect whose commit fails after the other instances were told', () => {
  it('is still recorded once, and answered with the sockets closed', async () => {
    server = await startTestServer();
    const client = api(server.url);
    const [admin, player] = [await client.loginAdmin(), await client.signup('recorded')];
    const sql = server.store.sql();
    const told: number[] = [];
    const answer = await actions(failingCommits(sql, 3), told).disconnect(admin.user.id, player.user.id, 'stuck session');
    expect(answer).toEqual({ closed: 3 });
    expect(told).toEqual([player.user.id]);
    const rows = await sql`SELECT action, user_id, reason FROM admin_audit WHERE user_id = ${player.user.id}`;
    expect(rows.map((row: { action: string; reason: string }) => [row.action, row.reason])).toEqual([['disconnect', 'stuck session']]);
  });

  it('refused before anyone was told records nothing', async () => {
    server = await startTestServer();
    const client = api(server.url);
    const admin = await client.loginAdmin();
    const told: number[] = [];
    await expect(actions(server.store.sql(), told).disconnect(admin.user.id, 999_999, 'nobody')).rejects.toThrow();
    expect(told).toEqual([]);
    expect(await server.store.sql()`SELECT COUNT(*) AS n FROM admin_audit WHERE user_id = 999999`).toEqual([{ n: 0 }]);
  });
});
