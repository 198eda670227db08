import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { LateBroker, LateNetwork } from '../support/brokers';
import { api, type Api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';
import { openUserSocket, type TestSocket } from '../support/socket';
import { allIds, eventIds, playLoop, waitUntil } from '../support/streams';
import { describeEngines } from '../support/server';
import { useServer, type Suite } from '../support/suite';

/** Opens a user socket resuming after `since`. */
const resumeFrom = async (suite: Suite, token: string, since: string) =>
  suite.sockets.track(await openUserSocket(suite.server.url, token, { since }));

/**
 * Asserts the socket was told to resync right after its ack, and replayed nothing: then came
 * only the balance (of a user who has played) and the pong of the settle.
 */
async function expectResync(socket: TestSocket, hasPlayed = true): Promise<void> {
  const error = await socket.next('error');
  expect(error).toMatchObject({ type: 'error', v: 1, code: 'resync_required' });
  if (hasPlayed) await socket.next('balance_update');
  await socket.settle();
  expect(socket.received.map((m) => m.type)).toEqual(['ws_ack', 'error', ...(hasPlayed ? ['balance_update'] : []), 'pong']);
}

/**
 * One user's socket drops and resumes with since, again and again, while three plays of that
 * user are in flight at every moment; what all its sockets received must be the user's
 * events 1..N exactly, in order.
 */
async function expectLosslessResume(suite: Suite, client: Api = suite.client): Promise<void> {
  const { server, sockets } = suite;
  const user = await client.signup();
  const first = sockets.track(await openUserSocket(server.url, user.access_token));
  for (let i = 0; i < 3; i++) expect((await client.play(user.access_token, 'slot')).status).toBe(200);
  await first.waitFor('game_event', 3);
  first.close();
  await first.closed;

  // Three plays in flight at every moment, from connections other than the socket's.
  const plays = playLoop(client, user.access_token, { concurrency: 3 });
  const streams: TestSocket[] = [first];
  const lastSeen = () => streams.flatMap(eventIds).at(-1)!;
  try {
    for (let round = 0; round < 6; round++) {
      const landedBefore = plays.ids.length;
      await waitUntil(() => plays.ids.length >= landedBefore + 3, 'plays to land while disconnected');
      const socket = await resumeFrom(suite, user.access_token, lastSeen());
      streams.push(socket);
      // Catch up, then take some live events before dropping the connection mid-stream.
      await waitUntil(() => plays.ids.length >= landedBefore + 10 && socket.all('game_event').length >= 8, 'replayed and live events');
      socket.close();
      await socket.closed;
    }
    const landedBefore = plays.ids.length;
    streams.push(await resumeFrom(suite, user.access_token, lastSeen()));
    await waitUntil(() => plays.ids.length >= landedBefore + 10, 'plays while the last socket is live');
  } finally {
    await plays.stop();
  }
  const total = 3 + plays.ids.length;
  const last = streams.at(-1)!;
  await waitUntil(() => eventIds(last).includes(`${user.user.id}-${total}`), `event ${total} on the last socket`);

  const seen = streams.flatMap(eventIds);
  expect(seen).toEqual(allIds(user.user.id, total));
  expect(streams.flatMap((s) => s.schemaViolations)).toEqual([]);
  expect(streams.flatMap((s) => s.all('error'))).toEqual([]);
}

describeEngines('resuming a user stream with since on %s', (engine) => {
  const suite = useServer({ INITIAL_BALANCE: '100000', RESUME_MAX_EVENTS: '1000' }, { engine });

  it('replays what was missed, then goes live, with none missing and none repeated while plays keep landing', () =>
    expectLosslessResume(suite));

  it('replays the events after since oldest first, right after ws_ack, byte for byte as first sent', async () => {
    const user = await suite.client.signup();
    const live = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
    for (let i = 0; i < 4; i++) await suite.client.play(user.access_token, 'rps');
    const original = await live.waitFor('game_event', 4);

    const resumed = await resumeFrom(suite, user.access_token, `${user.user.id}-1`);
    const replayed = await resumed.waitFor('game_event', 3);
    expect(resumed.received[0]!.type).toBe('ws_ack');
    expect(replayed).toEqual(original.slice(1));
    await resumed.next('balance_update');
    expect(resumed.received.slice(1).map((m) => m.type)).toEqual(['game_event', 'game_event', 'game_event', 'balance_update']);

    const next = await suite.client.play(user.access_token, 'gacha');
    await resumed.next((m) => m.event_id === next.json.event_id);
    expect(eventIds(resumed)).toEqual(allIds(user.user.id, 5).slice(1));
    expect(resumed.schemaViolations).toEqual([]);
  });

  it('replays nothing and goes live when since is the newest event', async () => {
    const user = await suite.client.signup();
    const play = await suite.client.play(user.access_token, 'slot');
    const resumed = await resumeFrom(suite, user.access_token, play.json.event_id);
    const next = await suite.client.play(user.access_token, 'slot');
    expect((await resumed.next('game_event')).event_id).toBe(next.json.event_id);
    expect(eventIds(resumed)).toEqual([next.json.event_id]);
    expect(resumed.all('error')).toEqual([]);
  });

  describe('asks the client to resync', () => {
    it('for an id past the newest event', async () => {
      const user = await suite.client.signup();
      await suite.client.play(user.access_token, 'slot');
      await expectResync(await resumeFrom(suite, user.access_token, `${user.user.id}-99`));
    });

    it("for another user's id", async () => {
      const owner = await suite.client.signup();
      const other = await suite.client.signup();
      const play = await suite.client.play(owner.access_token, 'slot');
      await suite.client.play(other.access_token, 'slot');
      await expectResync(await resumeFrom(suite, other.access_token, play.json.event_id));
    });

    for (const malformed of ['abc', '12', '1-2-3', '-1', '1-x']) {
      it(`for a malformed id (${JSON.stringify(malformed)})`, async () => {
        const user = await suite.client.signup();
        await suite.client.play(user.access_token, 'slot');
        await expectResync(await resumeFrom(suite, user.access_token, malformed));
      });
    }

    it('and still delivers live events after the error', async () => {
      const user = await suite.client.signup();
      const socket = await resumeFrom(suite, user.access_token, `${user.user.id}-5`);
      await expectResync(socket, false);
      const play = await suite.client.play(user.access_token, 'crash');
      expect((await socket.next('game_event')).event_id).toBe(play.json.event_id);
      expect(socket.schemaViolations).toEqual([]);
    });
  });
});

describe('resuming over a broker that delivers late (as Redis does)', () => {
  // The plays land on another instance: their events reach this one over the (late) network,
  // well after their commit is readable from the database the two share.
  const network = new LateNetwork();
  const suite = useServer({ INITIAL_BALANCE: '100000' }, { broker: new LateBroker(network) });
  let other: TestServer | undefined;
  beforeAll(async () => {
    other = await startTestServer({ INITIAL_BALANCE: '100000' }, { dir: suite.server.dir, broker: new LateBroker(network) });
  });
  afterAll(() => other?.close());

  it('still misses and repeats nothing while plays keep landing on another instance', () => expectLosslessResume(suite, api(other!.url)));
});

describe('the RESUME_MAX_EVENTS bound', () => {
  const MAX = 3;
  const suite = useServer({ RESUME_MAX_EVENTS: String(MAX) });

  it('replays exactly RESUME_MAX_EVENTS missed events and refuses one more as too old', async () => {
    const user = await suite.client.signup();
    for (let i = 0; i < MAX + 2; i++) expect((await suite.client.play(user.access_token, 'slot')).status).toBe(200);

    const atBound = await resumeFrom(suite, user.access_token, `${user.user.id}-2`);
    expect((await atBound.waitFor('game_event', MAX)).map((m) => m.event_id)).toEqual(allIds(user.user.id, MAX + 2).slice(2));
    expect(atBound.all('error')).toEqual([]);

    const tooOld = await resumeFrom(suite, user.access_token, `${user.user.id}-1`);
    await expectResync(tooOld);
    const play = await suite.client.play(user.access_token, 'slot');
    expect((await tooOld.next('game_event')).event_id).toBe(play.json.event_id);
  });
});
