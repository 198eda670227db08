/**
 * A resume replays game_events, never balance_updates (they are not stored): without more, a
 * client that missed plays while away would not know its balance. Every user socket therefore
 * gets one balance_update once it is live, read from the ledger after the replay, and no older
 * balance_update after it.
 */
import { expect, it } from 'bun:test';
import { ledgerOf } from '../support/client';
import { describeEngines } from '../support/server';
import { openUserSocket, type Message, type TestSocket } from '../support/socket';
import { allIds, eventIds, playLoop, waitUntil } from '../support/streams';
import { useServer } from '../support/suite';
import { fromMinor } from '../../src/money';

const seqOf = (message: Message) => Number(String(message.event_id).split('-')[1]);

/** The balance_updates a socket received never go back: none follows an earlier play than the one before it. */
function expectBalanceNeverGoesBack(socket: TestSocket): void {
  const seqs = socket.all('balance_update').map(seqOf);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
}

describeEngines('the balance on every user socket on %s', (engine) => {
  const suite = useServer({ INITIAL_BALANCE: '100000' }, { engine });

  it('after a resume, sends the ledger balance right after the replayed events, though their balance_updates were missed', async () => {
    const user = await suite.client.signup();
    const first = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
    for (let i = 0; i < 2; i++) expect((await suite.client.play(user.access_token, 'slot', { bet: 3 })).status).toBe(200);
    await first.waitFor('balance_update', 2);
    first.close();
    await first.closed;

    // Plays while no socket is open: their balance_updates go nowhere.
    for (const game of ['rps', 'gacha', 'crash', 'slot', 'rps'] as const) expect((await suite.client.play(user.access_token, game, { bet: 7 })).status).toBe(200);

    const resumed = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token, { since: eventIds(first).at(-1)! }));
    const balance = await resumed.next('balance_update');
    expect(resumed.received.map((m) => m.type)).toEqual(['ws_ack', 'game_event', 'game_event', 'game_event', 'game_event', 'game_event', 'balance_update']);
    expect(eventIds(resumed)).toEqual(allIds(user.user.id, 7).slice(2));
    const ledger = await ledgerOf(suite.server, user.user.id);
    expect(balance.balance).toBe(fromMinor(ledger.balance));
    expect(balance.balance).toBe(await suite.client.balance(user.access_token));
    // It is the latest play's balance_update, as it was first published.
    const latest = resumed.all('game_event').at(-1)!;
    expect(balance).toMatchObject({ user_id: user.user.id, event_id: latest.event_id, reason: latest.game_type, delta: latest.result.payout - latest.bet, ts: latest.ts });

    // Then live, as before.
    const next = await suite.client.play(user.access_token, 'slot', { bet: 1 });
    const live = await resumed.next((m) => m.type === 'balance_update' && m.event_id === next.json.event_id);
    expect(live.balance).toBe(next.json.balance);
    expect(resumed.schemaViolations).toEqual([]);
  });

  it('after a resume told to resync, still sends the balance', async () => {
    const user = await suite.client.signup();
    for (let i = 0; i < 3; i++) await suite.client.play(user.access_token, 'slot');
    const resumed = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token, { since: `${user.user.id}-99` }));
    const balance = await resumed.next('balance_update');
    expect(resumed.received.map((m) => m.type)).toEqual(['ws_ack', 'error', 'balance_update']);
    expect(balance.balance).toBe(await suite.client.balance(user.access_token));
  });

  it('on a fresh connect, sends the balance right after ws_ack', async () => {
    const user = await suite.client.signup();
    for (let i = 0; i < 3; i++) await suite.client.play(user.access_token, 'gacha', { bet: 5 });
    const socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
    const balance = await socket.next('balance_update');
    expect(socket.received.map((m) => m.type)).toEqual(['ws_ack', 'balance_update']);
    expect(balance).toMatchObject({ event_id: `${user.user.id}-3`, balance: await suite.client.balance(user.access_token) });
  });

  it('sends none to a user who has never played (no balance_update was ever sent)', async () => {
    const user = await suite.client.signup();
    const socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
    await socket.settle();
    expect(socket.received.map((m) => m.type)).toEqual(['ws_ack', 'pong']);
  });

  it('ends on the ledger balance, never going back, when plays keep landing during resumes and fresh connects', async () => {
    const user = await suite.client.signup();
    const sockets: TestSocket[] = [];
    const plays = playLoop(suite.client, user.access_token, { concurrency: 3 });
    try {
      await waitUntil(() => plays.ids.length >= 3, 'the first plays');
      for (let round = 0; round < 6; round++) {
        const since = plays.ids.at(-3);
        sockets.push(suite.sockets.track(await openUserSocket(suite.server.url, user.access_token, round % 2 === 0 && since ? { since } : undefined)));
        await waitUntil(() => sockets.at(-1)!.all('balance_update').length > 0, 'the balance');
      }
    } finally {
      await plays.stop();
    }
    const balance = await suite.client.balance(user.access_token);
    const ledger = await ledgerOf(suite.server, user.user.id);
    expect(balance).toBe(fromMinor(ledger.balance));
    for (const socket of sockets) {
      await waitUntil(() => socket.all('balance_update').at(-1)?.event_id === `${user.user.id}-${ledger.plays}`, 'the last play on every socket');
      expect(socket.all('balance_update').at(-1)!.balance).toBe(balance);
      expectBalanceNeverGoesBack(socket);
      expect(socket.schemaViolations).toEqual([]);
    }
  });
});
