/**
 * A stream outliving its token. The server runs on a ManualClock: the test moves its time past
 * the token's expiry and runs the socket sweep itself, instead of waiting for a real expiry.
 */
import { afterEach, expect, it } from 'bun:test';
import { GameClient, GameStream, realScheduler } from '../../client';
import { ManualClock } from '../support/clock';
import { startTestServer, type TestServer } from '../support/server';
import { decodeToken, mintToken } from '../support/tokens';
import { record } from './recorder';

let server: TestServer | undefined;
let stream: GameStream | undefined;
afterEach(async () => {
  stream?.close();
  await server?.close();
});

/**
 * A player, and a token provider whose first token expires a minute from now and whose fresh
 * ones last; the server's clock is then set `secondsLeft` (and a half) before that expiry.
 */
async function playerWithShortToken(secondsLeft: number) {
  const clock = new ManualClock();
  server = await startTestServer({}, { clock });
  const client = new GameClient(server.url);
  const { user } = await client.signup(`expiry_${process.pid}_${Date.now() % 100_000}`, 'correct-horse-battery');
  const shortToken = mintToken(user, { expiresIn: 60 });
  const requests: boolean[] = [];
  const getToken = async ({ fresh }: { fresh: boolean }) => {
    requests.push(fresh);
    return fresh ? mintToken(user, { expiresIn: 900 }) : shortToken;
  };
  const expiresAt = Number(decodeToken(shortToken).claims.exp) * 1000;
  clock.advance(expiresAt - (secondsLeft + 0.5) * 1000 - clock.now());
  const registry = server.app.registry;
  /** Moves the server's time past the short token's expiry and sweeps the sockets at once. */
  const passExpiry = () => {
    clock.advance(expiresAt - clock.now() + 500);
    registry.sweep();
  };
  return { url: server.url, client, getToken, requests, passExpiry };
}

const noWait = { ...realScheduler, random: () => 0 };

it('reconnects with a fresh token after 4001, resuming without a gap', async () => {
  const { url, client, getToken, requests, passExpiry } = await playerWithShortToken(30);
  stream = new GameStream({ url, getToken, inBandRefresh: false, scheduler: noWait });
  const seen = record(stream);
  await seen.until(() => seen.count('ws_ack') === 1, 'ws_ack');
  const plays = [(await client.slot({ bet: 1 })).event_id];

  passExpiry();
  await seen.until(() => seen.disconnects.length === 1, 'the close at expiry');
  expect(seen.disconnects[0]!.code).toBe(4001);
  plays.push((await client.rps({ bet: 1, choice: 'rock' })).event_id); // while it reconnects
  await seen.until(() => seen.count('ws_ack') === 2, 'the second ws_ack');
  plays.push((await client.gacha({ bet: 1 })).event_id);
  await seen.until(() => seen.eventIds().length === 3, 'three events');

  expect(seen.eventIds()).toEqual(plays);
  expect(requests).toEqual([false, true]);
});

it('refreshes in-band before expiry, and the socket stays open past it', async () => {
  // One second left: the client's own refresh timer (at 80% of that) fires without a long wait.
  const { url, client, getToken, requests, passExpiry } = await playerWithShortToken(1);
  stream = new GameStream({ url, getToken, scheduler: noWait });
  const seen = record(stream);
  await seen.until(() => seen.count('ws_ack') === 1, 'ws_ack');
  const ack = seen.messages.find((m) => m.type === 'ws_ack');
  expect(ack?.type === 'ws_ack' && ack.expires_in).toBe(1);
  await seen.until(() => seen.count('refreshed') === 1, 'refreshed');
  const refreshed = seen.messages.find((m) => m.type === 'refreshed');
  expect(refreshed?.type === 'refreshed' && refreshed.expires_in).toBeGreaterThan(800);

  // Past the first token's expiry and a sweep of the server's: still the same socket.
  passExpiry();
  const play = await client.crash({ bet: 1, cashout: 2 });
  await seen.until(() => seen.eventIds().length === 1, 'a live event');
  expect(seen.eventIds()).toEqual([play.event_id]);
  expect(seen.disconnects).toEqual([]);
  expect(seen.count('ws_ack')).toBe(1);
  expect(requests).toEqual([false, true]);
});
