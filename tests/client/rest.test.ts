import { describe, expect, it } from 'bun:test';
import { ApiError, GameClient } from '../../client';
import { useServer } from '../support/suite';
import { ADMIN } from '../support/server';

const shared = useServer({ INITIAL_BALANCE: '100' });
let counter = 0;
const uniqueName = () => `rest_${process.pid}_${++counter}`;
const PASSWORD = 'correct-horse-battery';

async function signedUp(): Promise<GameClient> {
  const client = new GameClient(shared.server.url);
  await client.signup(uniqueName(), PASSWORD);
  return client;
}

/** The ApiError a call rejects with (fails the test when it resolves or throws anything else). */
async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('GameClient', () => {
  it('signs up, logs in and reads the user', async () => {
    const username = uniqueName();
    const first = new GameClient(shared.server.url);
    const signedUp = await first.signup(username, PASSWORD);
    expect(signedUp.user).toMatchObject({ username, role: 'user', balance: 100 });

    const second = new GameClient(shared.server.url);
    const loggedIn = await second.login(username, PASSWORD);
    expect(loggedIn.user.id).toBe(signedUp.user.id);
    expect(await second.me()).toEqual({ id: signedUp.user.id, username, role: 'user', balance: 100 });
  });

  it('plays the four games with typed results, and the balance follows bet and payout', async () => {
    const client = await signedUp();
    let balance = 100;
    const slot = await client.slot({ bet: 1 });
    expect(slot.result.reels).toHaveLength(3);
    const rps = await client.rps({ bet: 2, choice: 'paper' });
    expect(['win', 'draw', 'lose']).toContain(rps.result.outcome);
    const gacha = await client.gacha({ bet: 1.5 });
    expect(typeof gacha.result.rarity).toBe('string');
    const crash = await client.crash({ bet: 3, cashout: 2 });
    expect(crash.result.cashout).toBe(2);
    for (const play of [slot, rps, gacha, crash]) {
      balance = Math.round((balance - play.bet + play.result.payout) * 100) / 100;
      expect(play.balance).toBe(balance);
    }
    expect([slot.game_type, rps.game_type, gacha.game_type, crash.game_type]).toEqual(['slot', 'rps', 'gacha', 'crash']);
    expect((await client.me()).balance).toBe(balance);
  });

  it('sends an Idempotency-Key, so a retried play is charged once', async () => {
    const client = await signedUp();
    const first = await client.slot({ bet: 5 }, { idempotencyKey: 'spin-1' });
    const retried = await client.slot({ bet: 5 }, { idempotencyKey: 'spin-1' });
    expect(retried).toEqual(first);
    expect((await client.me()).balance).toBe(first.balance);
  });

  it('surfaces refusals as ApiError with status, code and message', async () => {
    const client = await signedUp();
    const username = client.user!.username;

    const taken = await refusal(new GameClient(shared.server.url).signup(username, PASSWORD));
    expect([taken.status, taken.code]).toEqual([409, 'username_taken']);
    const wrongPassword = await refusal(new GameClient(shared.server.url).login(username, 'wrong-password'));
    expect(wrongPassword.status).toBe(401);
    // The types refuse what the server refuses: a play without its game's fields.
    // @ts-expect-error rps needs a choice
    const noChoice = await refusal(client.play('rps', { bet: 1 }));
    expect([noChoice.status, noChoice.code]).toEqual([400, 'invalid_choice']);
    const badBet = await refusal(client.slot({ bet: -1 }));
    expect([badBet.status, badBet.code]).toEqual([400, 'invalid_bet']);
    const tooMuch = await refusal(client.crash({ bet: 101, cashout: 2 }));
    expect(tooMuch.code).toBe('insufficient_funds');
    expect(tooMuch.message.length).toBeGreaterThan(0);
    const noSession = await refusal(new GameClient(shared.server.url).me());
    expect([noSession.status, noSession.code]).toEqual([401, 'not_logged_in']);
    const down = await refusal(new GameClient('http://127.0.0.1:1').login('someone', PASSWORD));
    expect([down.status, down.code]).toEqual([0, 'network_error']);
  });

  it('refreshes: a new token pair, the old refresh token spent', async () => {
    const client = await signedUp();
    const sessions: string[] = [];
    const watching = new GameClient(shared.server.url, { onSession: (session) => sessions.push(session.refresh_token) });
    const first = await watching.login(client.user!.username, PASSWORD);
    const refreshed = await watching.refresh();
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(sessions).toEqual([first.refresh_token, refreshed.refresh_token]);
    expect((await watching.me()).id).toBe(first.user.id);

    // The spent token no longer works (and reusing it revokes the login).
    const replay = new GameClient(shared.server.url, { session: first });
    const spent = await refusal(replay.refresh());
    expect(spent.status).toBe(401);
  });

  it('shares one refresh among concurrent callers, since refresh tokens rotate', async () => {
    const client = await signedUp();
    const [a, b, c] = await Promise.all([client.refresh(), client.refresh(), client.getToken({ fresh: true })]);
    expect(a).toBe(b);
    expect(c).toBe(a.access_token);
    expect((await client.me()).id).toBe(a.user.id);
  });

  it('refreshes and retries once when the access token is refused', async () => {
    const client = await signedUp();
    const session = await client.refresh();
    const stale = new GameClient(shared.server.url, { session: { ...session, access_token: 'not-a-token' } });
    expect((await stale.me()).id).toBe(session.user.id);
    expect(stale.accessToken).not.toBe('not-a-token');
  });

  it('refreshes a token near its expiry before using it', async () => {
    const client = await signedUp();
    let now = Date.now();
    const session = await client.refresh();
    const refreshTokens: string[] = [];
    const timed = new GameClient(shared.server.url, { session, now: () => now, onSession: (s) => refreshTokens.push(s.refresh_token) });
    expect(await timed.getToken()).toBe(session.access_token);
    expect(refreshTokens).toEqual([session.refresh_token]);
    now += (session.expires_in - 10) * 1000;
    await timed.getToken();
    expect(refreshTokens).toHaveLength(2);
    expect(refreshTokens[1]).not.toBe(session.refresh_token);
  });

  it('logs out: the refresh token is revoked', async () => {
    const client = await signedUp();
    const session = await client.refresh();
    await client.logout();
    expect(client.accessToken).toBeUndefined();
    const revoked = await refusal(new GameClient(shared.server.url, { session }).refresh());
    expect(revoked.status).toBe(401);
  });

  it('logs an admin in', async () => {
    const admin = new GameClient(shared.server.url);
    expect((await admin.login(ADMIN.username, ADMIN.password)).user.role).toBe('admin');
  });
});
