/**
 * Password guessing: after LOGIN_MAX_FAILURES failed logins a username, and separately an
 * address, is locked for LOGIN_LOCKOUT_SECONDS: 429 with Retry-After, even for the right
 * password. Addresses differ by binding the client to other loopback addresses (127.0.0.x).
 */
import { describe, expect, it } from 'bun:test';
import { request } from 'node:http';
import { api } from '../support/client';
import { ManualClock } from '../support/clock';
import { startTestServer, type TestServer } from '../support/server';
import { useServer } from '../support/suite';

const MAX_FAILURES = 3;
const suite = useServer({ LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCKOUT_SECONDS: '60' });

type Answer = { status: number; retryAfter: string | undefined; code: string | undefined };

/** POST /api/auth/login from the local address `from`. */
function loginFrom(from: string, username: string, password: string, target: TestServer = suite.server): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: target.port, path: '/api/auth/login', method: 'POST', localAddress: from, headers: { 'content-type': 'application/json' } },
      (incoming) => {
        let text = '';
        incoming.on('data', (chunk) => (text += chunk));
        incoming.on('end', () => {
          const retryAfter = incoming.headers['retry-after'];
          resolve({ status: incoming.statusCode!, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, code: text ? JSON.parse(text).error?.code : undefined });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify({ username, password }));
  });
}

async function failTimes(times: number, from: string, username: string, target: TestServer = suite.server): Promise<void> {
  for (let i = 0; i < times; i++) expect((await loginFrom(from, username, 'wrong-password', target)).status).toBe(401);
}

function expectLocked(answer: Answer, lockoutSeconds = 60): void {
  expect(answer.status).toBe(429);
  expect(answer.code).toBe('rate_limited');
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(lockoutSeconds);
}

describe('login throttling', () => {
  it('locks a username after repeated failures, whatever the address, even for the right password', async () => {
    const victim = await suite.client.signup('victim');
    await failTimes(MAX_FAILURES, '127.0.0.2', victim.user.username);
    expectLocked(await loginFrom('127.0.0.3', victim.user.username, victim.password));
    // Names are one account whatever their case.
    expectLocked(await loginFrom('127.0.0.3', victim.user.username.toUpperCase(), victim.password));
  });

  it('locks an address after failures spread over many usernames', async () => {
    const bystander = await suite.client.signup('bystander');
    for (let i = 0; i < MAX_FAILURES; i++) await failTimes(1, '127.0.0.4', `guess_${i}`);
    expectLocked(await loginFrom('127.0.0.4', bystander.user.username, bystander.password));
    // The same account from another address is not locked: the lock was the address's.
    expect((await loginFrom('127.0.0.5', bystander.user.username, bystander.password)).status).toBe(200);
  });

  it("clears a username's count on its success, but not the address's", async () => {
    const user = await suite.client.signup('forgetful');
    await failTimes(MAX_FAILURES - 1, '127.0.0.6', user.user.username);
    expect((await loginFrom('127.0.0.7', user.user.username, user.password)).status).toBe(200);
    await failTimes(MAX_FAILURES - 1, '127.0.0.8', user.user.username);
    expect((await loginFrom('127.0.0.9', user.user.username, user.password)).status).toBe(200);

    // A guesser spraying names from one address cannot reset its count by logging in to its own account.
    const guesser = await suite.client.signup('guesser');
    await failTimes(MAX_FAILURES - 1, '127.0.0.10', 'someone_else');
    expect((await loginFrom('127.0.0.10', guesser.user.username, guesser.password)).status).toBe(200);
    await failTimes(1, '127.0.0.10', 'another_one');
    expectLocked(await loginFrom('127.0.0.10', guesser.user.username, guesser.password));
  });

  it('lets the account in again once the lockout has passed', async () => {
    const clock = new ManualClock();
    const short = await startTestServer({ LOGIN_MAX_FAILURES: '2', LOGIN_LOCKOUT_SECONDS: '1' }, { clock });
    try {
      const user = await api(short.url).signup('patient');
      await failTimes(2, '127.0.0.11', user.user.username, short);
      expectLocked(await loginFrom('127.0.0.11', user.user.username, user.password, short), 1);
      clock.advance(900);
      expectLocked(await loginFrom('127.0.0.11', user.user.username, user.password, short), 1);
      clock.advance(200);
      expect((await loginFrom('127.0.0.11', user.user.username, user.password, short)).status).toBe(200);
    } finally {
      await short.close();
    }
  });
});
