/**
 * Restarting keeps balances, history and the snapshot's recent events (API.md), and a stream
 * resumes across the restart: two servers, one after the other, on one database file.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import { api } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { describeEngines, startTestServer, type TestServer } from '../support/server';
import { openMonitor, openUserSocket } from '../support/socket';
import { allIds, closer, eventIds, probe } from '../support/streams';

const RECENT_EVENTS = 5;
const sockets = closer();
let server: TestServer | undefined;
afterEach(async () => {
  sockets.closeAll();
  await server?.close();
});

describeEngines('a restart on %s', (engine) => {
  it('keeps balances, history and the recent events, and a stream resumes across it', async () => {
    const first = (server = await startTestServer({ RECENT_EVENTS: String(RECENT_EVENTS) }, { engine }));
    const before = api(first.url);
    const alice = await before.signup('alice');
    const bob = await before.signup('bob');
    const live = sockets.track(await openUserSocket(first.url, alice.access_token));
    for (const [user, game] of [[alice, 'slot'], [bob, 'rps'], [alice, 'gacha'], [alice, 'crash'], [bob, 'slot'], [alice, 'rps'], [bob, 'gacha']] as const) {
      expect((await before.play(user.access_token, game)).status).toBe(200);
    }
    const aliceEvents = await live.waitFor('game_event', 4);
    live.close();
    // Alice saw her first two; two more landed after her socket went.
    const lastSeen = aliceEvents[1]!.event_id as string;
    const balances = [await before.balance(alice.access_token), await before.balance(bob.access_token)];
    const admin = await before.loginAdmin();
    const snapshot = sockets.track((await openMonitor(first.url, admin.access_token)).socket).received[0]!;
    expect(snapshot.recent_events).toHaveLength(RECENT_EVENTS);

    const second = (server = await first.restart());
    const after = api(second.url);
    expect([await after.balance(alice.access_token), await after.balance(bob.access_token)]).toEqual(balances);

    const { socket: monitor, snapshot: snapshotAfter } = await openMonitor(second.url, admin.access_token);
    sockets.track(monitor);
    expect(snapshotAfter.recent_events).toEqual(snapshot.recent_events);

    // Resume across the restart: the two she missed, byte for byte, then a play after it.
    const resumed = sockets.track(await openUserSocket(second.url, alice.access_token, { since: lastSeen }));
    const next = await probe(after, alice.access_token, resumed);
    expect(next.json.event_id).toBe(`${alice.user.id}-5`);
    expect(eventIds(resumed)).toEqual(allIds(alice.user.id, 5).slice(2));
    expect(resumed.all('game_event').slice(0, 2)).toEqual(aliceEvents.slice(2));
    expect(next.json.balance).toBeCloseTo(balances[0]! - 0.01 + next.json.result.payout, 2);

    // The whole history is still there, and the new event joins the recent ones.
    const fromStart = sockets.track(await openUserSocket(second.url, alice.access_token, { since: `${alice.user.id}-0` }));
    expect((await fromStart.waitFor('game_event', 5)).slice(0, 4)).toEqual(aliceEvents);
    expect((await monitor.next('game_event')).event_id).toBe(next.json.event_id);
    expect([...monitor.schemaViolations, ...resumed.schemaViolations, ...fromStart.schemaViolations]).toEqual([]);

    const audit = await auditLedger(second.store.sql(), 1000 * 100);
    expect(audit.problems).toEqual([]);
    expect(audit.events).toBe(8);
  });
});
