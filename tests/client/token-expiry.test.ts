/**
 * A stream outliving its token. Tokens minted to expire within 2 s keep the real waiting short:
 * the server's clock is the real one.
 */
import { afterEach, expect, it } from 'bun:test';
import { GameClient, GameStream, realScheduler } from '../../client';
import { startTestServer, type TestServer } from '../support/server';
import { decodeToken, mintToken } from '../support/tokens';
import { record } from './recorder';

let server: TestServer | undefined;
let stream: GameStream | undefined;
afterEach(async () => {
  stream?.close();
  await server?.close();
});

/** A player, and a token provider whose first token expires within 2 s and whose fresh ones last. */
async function playerWithShortToken() {
  server = await startTestServer();
  const client = new GameClient(server.url);
  const { user } = await client.signup(`expiry_${process.pid}_${Date.now() % 100_000}`, 'correct-horse-battery');
  const shortToken = mintToken(user, { expiresIn: 2 });
  const requests: boolean[] = [];
  const getToken = async ({ fresh }: { fresh: boolean }) => {
    requests.push(fresh);
    return fresh ? mintToken(user, { expiresIn: 900 }) : shortToken;
  };
  const expiresAt = Number(decodeToken(shortToken).claims.exp) * 1000;
  return { url: server.url, client, getToken, requests, expiresAt };
}

const noWait = { ...realScheduler, random: () => 0 };

it('reconnects with a fresh token after 4001, resuming without a gap', async () => {
  const { url, client, getToken, requests } = await playerWithShortToken();
  stream = new GameStream({ url, getToken, inBandRefresh: false, scheduler: noWait });
  const seen = record(stream);
  await seen.until(() => seen.count('ws_ack') === 1, 'ws_ack');
  const plays = [(await client.slot({ bet: 1 })).event_id];

  await seen.until(() => seen.disconnects.length === 1, 'the close at expiry', 4000);
  expect(seen.disconnects[0]!.code).toBe(4001);
  plays.push((await client.rps({ bet: 1, choice: 'rock' })).event_id); // while it reconnects
  await seen.until(() => seen.count('ws_ack') === 2, 'the second ws_ack');
  plays.push((await client.gacha({ bet: 1 })).event_id);
  await seen.until(() => seen.eventIds().length === 3, 'three events');

  expect(seen.eventIds()).toEqual(plays);
  expect(requests).toEqual([false, true]);
}, 10_000);

it('refreshes in-band before expiry, and the socket stays open past it', async () => {
  const { url, client, getToken, requests, expiresAt } = await playerWithShortToken();
  stream = new GameStream({ url, getToken, scheduler: noWait });
  const seen = record(stream);
  await seen.until(() => seen.count('refreshed') === 1, 'refreshed', 4000);
  const refreshed = seen.messages.find((m) => m.type === 'refreshed');
  expect(refreshed?.type === 'refreshed' && refreshed.expires_in).toBeGreaterThan(800);

  // Past the first token's expiry and a sweep of the server's: still the same socket.
  await Bun.sleep(Math.max(0, expiresAt - Date.now()) + 400);
  const play = await client.crash({ bet: 1, cashout: 2 });
  await seen.until(() => seen.eventIds().length === 1, 'a live event');
  expect(seen.eventIds()).toEqual([play.event_id]);
  expect(seen.disconnects).toEqual([]);
  expect(seen.count('ws_ack')).toBe(1);
  expect(requests).toEqual([false, true]);
}, 10_000);
