/**
 * REST limits: body size, what a bet may be, account names and passwords, and plays per user.
 * Every refusal has its status and code, and charges nothing.
 */
import { beforeAll, describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import { connect } from 'node:net';
import { api, expectNothingCharged, GAME_NAMES, GAME_PATHS, ledgerOf, type Api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';
import { openUserSocket, type TestSocket } from '../support/socket';
import { useServer, type Player } from '../support/suite';

const INITIAL_BALANCE = 1_000_000_000;
// A balance no bet of the property tests can run through; budgets they cannot exhaust.
const suite = useServer(
  { INITIAL_BALANCE: String(INITIAL_BALANCE), PLAY_RATE_PER_SECOND: '100000', PLAY_BURST: '100000', WS_MESSAGE_RATE_PER_SECOND: '10000', WS_MESSAGE_BURST: '10000' },
  { withPlayer: true },
);
let server: TestServer;
let client: Api;
let player: Player;
let socket: TestSocket;
beforeAll(() => ({ server, client, player, socket } = suite));

const SPIN = '/api/games/slot/spin';
const nothingCharged = suite.nothingCharged;

/** POSTs raw JSON text to the slot as the player. */
const spinRaw = (text: string) => client.request('POST', SPIN, { body: text, token: player.access_token });

/** Writes `parts` on a bare connection (pausing between them) and returns all it reads until the server closes it. */
function rawExchange(parts: string[], gapMs = 5, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = connect(server.port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new Error(`the server did not close the connection; got: ${received.slice(0, 200)}`));
    }, timeoutMs);
    connection.on('data', (chunk) => (received += chunk));
    connection.on('error', () => {});
    connection.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    (async () => {
      for (const part of parts) {
        if (connection.destroyed) return;
        connection.write(part);
        await Bun.sleep(gapMs);
      }
    })();
  });
}

const head = (headers: string) => `POST ${SPIN} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${player.access_token}\r\nContent-Type: application/json\r\n${headers}\r\n`;
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

function expect413(response: { status: number; json: any }): void {
  expect(response.status).toBe(413);
  expect(response.json.error).toEqual({ code: 'payload_too_large', message: `request bodies are limited to ${server.config.MAX_BODY_BYTES} bytes` });
}

describe('request bodies', () => {
  /** A valid spin of `bytes` bytes, padded with JSON whitespace (an unknown field would be refused). */
  const spinOfSize = (bytes: number) => {
    const frame = '{"bet":1}';
    return frame.replace('}', `${' '.repeat(bytes - frame.length)}}`);
  };
  const stream = (text: string, pieces: number) =>
    new ReadableStream({
      start(controller) {
        const size = Math.ceil(text.length / pieces);
        for (let at = 0; at < text.length; at += size) controller.enqueue(new TextEncoder().encode(text.slice(at, at + size)));
        controller.close();
      },
    });

  it('documents the limit: 16 KiB', () => {
    expect(server.config.MAX_BODY_BYTES).toBe(16_384);
  });

  it('takes a body of exactly MAX_BODY_BYTES, declared or chunked, and refuses one byte more with a JSON 413', async () => {
    const limit = server.config.MAX_BODY_BYTES;
    expect((await spinRaw(spinOfSize(limit))).status).toBe(200);
    const chunked = await fetch(server.url + SPIN, { method: 'POST', body: stream(spinOfSize(limit), 4), headers: { authorization: `Bearer ${player.access_token}`, 'content-type': 'application/json' } });
    expect(chunked.status).toBe(200);
    await nothingCharged(async () => expect413(await spinRaw(spinOfSize(limit + 1))));
  });

  it('refuses a declared 2 MB body with a JSON 413 and closes the connection', async () => {
    await nothingCharged(async () => expect413(await spinRaw(spinOfSize(2_000_000))));
    const answer = await rawExchange([head('Content-Length: 2000000\r\n'), 'x'.repeat(1000)]);
    expect(answer).toStartWith('HTTP/1.1 413');
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toContain('"payload_too_large"');
  });

  it('refuses a chunked 2 MB body (no length given) with a JSON 413 once it passes the limit', async () => {
    await nothingCharged(async () => {
      const response = await fetch(server.url + SPIN, { method: 'POST', body: stream(spinOfSize(2_000_000), 40), headers: { authorization: `Bearer ${player.access_token}`, 'content-type': 'application/json' } });
      expect413({ status: response.status, json: await response.json() });
    });
  });

  it('answers 413 before the body ends: nothing past the limit is read or held', async () => {
    // 20 KiB of an endless chunked body, then silence: the answer comes without the rest.
    const pieces = Array.from({ length: 20 }, () => chunk('x'.repeat(1024)));
    const answer = await rawExchange([head('Transfer-Encoding: chunked\r\n'), ...pieces]);
    expect(answer).toStartWith('HTTP/1.1 413');
    expect(answer).toContain('"payload_too_large"');
  });

  it('refuses text that is not JSON under a JSON content type with 400 bad_json, and an empty body with 400', async () => {
    await nothingCharged(async () => {
      const response = await spinRaw('');
      expect([response.status, response.json.error.code]).toEqual([400, 'invalid_body']);
    });
    for (const text of ['{"bet":', 'bet=1', '{"bet":1}}', '\u0000']) {
      await nothingCharged(async () => {
        const response = await spinRaw(text);
        expect([response.status, response.json.error.code]).toEqual([400, 'bad_json']);
      });
    }
  });

  it('refuses a body of another content type with 415 unsupported_media_type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      await nothingCharged(async () => {
        const response = await client.request('POST', SPIN, { body: '{"bet":1}', token: player.access_token, headers: { 'content-type': contentType } });
        expect(response.status).toBe(415);
      });
    }
  });
});

describe('bets', () => {
  const { MIN_BET, MAX_BET } = { MIN_BET: 0.01, MAX_BET: 100_000 };

  it('documents the bet limits: 0.01 to 100000', () => {
    expect([server.config.MIN_BET, server.config.MAX_BET]).toEqual([MIN_BET, MAX_BET]);
  });

  // JSON has no NaN or Infinity: sent as raw text they are not JSON at all.
  for (const raw of ['NaN', 'Infinity', '-Infinity', '+1', '.5', '1.', '0x10', '1_000']) {
    it(`refuses a bet written ${raw} with 400 bad_json`, async () => {
      await nothingCharged(async () => {
        const response = await spinRaw(`{"bet":${raw}}`);
        expect([response.status, response.json.error.code]).toEqual([400, 'bad_json']);
      });
    });
  }

  const invalid: [string, string][] = [
    ['1e400 (parses to Infinity)', '1e400'],
    ['-1e400', '-1e400'],
    ['1e308', '1e308'],
    ['-0', '-0'],
    ['0', '0'],
    ['5e-324', '5e-324'],
    ['0.001', '0.001'],
    ['1.001', '1.001'],
    ['0.1 + 0.2', String(0.1 + 0.2)],
    ['MAX_BET + 0.01', '100000.01'],
    ['a string', '"10"'],
    ['null', 'null'],
    ['an array', '[10]'],
    ['an object', '{"amount":10}'],
    ['true', 'true'],
    ['a later duplicate key that is negative', '1,"bet":-1'],
  ];
  for (const [name, raw] of invalid) {
    it(`refuses a bet of ${name} with 400 invalid_bet`, async () => {
      await nothingCharged(async () => {
        const response = await spinRaw(`{"bet":${raw}}`);
        expect([response.status, response.json.error.code]).toEqual([400, 'invalid_bet']);
      });
    });
  }

  it('accepts the limits themselves', async () => {
    for (const bet of [MIN_BET, MAX_BET, 1e3 + 0.99]) {
      const response = await client.play(player.access_token, 'gacha', { bet });
      expect([response.status, response.json.bet]).toEqual([200, bet]);
    }
  });

  it('refuses fields that try to set the user, the balance or the outcome: 400 invalid_body, nobody charged', async () => {
    const victim = await client.signup();
    const before = await ledgerOf(server, player.user.id);
    const victimBefore = await ledgerOf(server, victim.user.id);
    const response = await client.play(player.access_token, 'slot', {
      bet: 2,
      user_id: victim.user.id,
      userId: victim.user.id,
      balance: 1e9,
      payout: 1e6,
      result: { payout: 1e6 },
      event_id: `${victim.user.id}-1`,
    });
    expect([response.status, response.json.error.code]).toEqual([400, 'invalid_body']);
    expect(await ledgerOf(server, player.user.id)).toEqual(before);
    expect(await ledgerOf(server, victim.user.id)).toEqual(victimBefore);
  });

  describe('property-based', () => {
    /** The rule in API.md's words: a finite number within the limits, in whole cents. */
    const isValidBet = (bet: unknown) => typeof bet === 'number' && bet >= MIN_BET && bet <= MAX_BET && /^\d+(\.\d{1,2})?$/.test(String(bet));
    const runs = { numRuns: 120 };

    /** Plays `game` with `text` as the bet; checks the answer against the rule; returns the cents charged. */
    async function playAndCheck(game: (typeof GAME_NAMES)[number], text: string): Promise<number> {
      let value: unknown;
      let isJson = true;
      try {
        value = JSON.parse(text);
      } catch {
        isJson = false;
      }
      const body = JSON.stringify({ ...{ slot: {}, gacha: {}, rps: { choice: 'rock' }, crash: { cashout: 2 } }[game], bet: '<bet>' }).replace('"<bet>"', () => text);
      const response = await client.request('POST', `/api/games/${GAME_PATHS[game]}`, { body, token: player.access_token });
      if (!isJson) {
        expect([response.status, response.json.error.code]).toEqual([400, 'bad_json']);
        return 0;
      }
      if (!isValidBet(value)) {
        expect([response.status, response.json.error.code]).toEqual([400, 'invalid_bet']);
        return 0;
      }
      expect([response.status, response.json.bet]).toEqual([200, value]);
      return Math.round((value as number) * 100);
    }

    /** Runs a property over bet texts, then checks the database holds exactly the accepted plays. */
    async function checkBets(texts: fc.Arbitrary<string>): Promise<void> {
      const before = await ledgerOf(server, player.user.id);
      await socket.settle();
      const eventsBefore = socket.all('game_event').length;
      let [accepted, refused, charged] = [0, 0, 0];
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...GAME_NAMES), texts, async (game, text) => {
          const cents = await playAndCheck(game, text);
          if (cents > 0) (accepted += 1), (charged += cents);
          else refused += 1;
        }),
        runs,
      );
      // Both sides of the rule were exercised.
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      const after = await ledgerOf(server, player.user.id);
      expect(after.plays - before.plays).toBe(accepted);
      expect(after.bets - before.bets).toBe(charged);
      expect(after.balance).toBe(INITIAL_BALANCE * 100 - after.bets + after.payouts);
      await socket.settle();
      expect(socket.all('game_event').length - eventsBefore).toBe(accepted);
    }

    it('refuses any JSON value that is not a valid bet (400 invalid_bet, nothing charged) and accepts every valid one', async () => {
      const cents = (min: number, max: number) => fc.integer({ min, max }).map((c) => c / 100);
      const bet = fc.oneof(
        fc.double(),
        cents(1, MAX_BET * 100),
        cents(-100_000, MAX_BET * 100 + 100_000),
        fc.double({ min: 0, max: MAX_BET * 1.1, noNaN: true }),
        cents(1, 100_000).map((c) => c + 1e-9),
        fc.integer({ min: 1, max: 1_000_000 }).map((m) => m / 1000),
        fc.constantFrom(-0, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, MIN_BET - 0.001, MAX_BET + 0.001, 0.1 + 0.2),
        fc.jsonValue({ maxDepth: 2 }),
        fc.string({ maxLength: 12 }),
        fc.stringMatching(/^-?\d{1,6}(\.\d{1,4})?$/),
      );
      // What JSON can carry: NaN and the infinities go as null, -0 as 0.
      await checkBets(bet.map((value) => JSON.stringify(value) ?? 'null'));
    });

    it('refuses number texts JSON cannot parse (400 bad_json) and judges the rest by value', async () => {
      const numberText = fc.oneof(
        fc.double().map(String), // "NaN", "Infinity", "-0", "1e+21", "5e-324"
        fc.stringMatching(/^[-+]?(\d{0,4}\.?\d{0,4})([eE][-+]?\d{1,3})?$/),
        fc.constantFrom('1e400', '-1e400', '0.10', '1.50', '100000.00', '1E2', '0e0', '00.5', '1.0e-2'),
      );
      await checkBets(numberText.filter((text) => text.length > 0));
    });
  });
});

describe('accounts', () => {
  it('takes usernames of 3 to 32 of A-Z a-z 0-9 _ and passwords of 8 to 128 characters, at the boundaries', async () => {
    const tag = `${process.pid % 1000}`;
    const accepted = [
      { username: `a${tag}`.padEnd(3, '_').slice(0, 3), password: 'p'.repeat(8) },
      { username: `Z_9${tag}`.padEnd(32, 'x'), password: 'p'.repeat(128) },
    ];
    for (const body of accepted) expect((await client.post('/api/auth/signup', body)).status).toBe(201);
    const refused: [Record<string, unknown>, string][] = [
      [{ username: 'ab', password: 'password-1' }, 'invalid_username'],
      [{ username: 'x'.repeat(33), password: 'password-1' }, 'invalid_username'],
      [{ username: 'with-dash', password: 'password-1' }, 'invalid_username'],
      [{ username: 'ünïcode', password: 'password-1' }, 'invalid_username'],
      [{ username: 'trailing\n', password: 'password-1' }, 'invalid_username'],
      [{ username: 42, password: 'password-1' }, 'invalid_username'],
      [{ username: 'fine_name', password: 'p'.repeat(7) }, 'invalid_password'],
      [{ username: 'fine_name', password: 'p'.repeat(129) }, 'invalid_password'],
      [{ username: 'fine_name' }, 'invalid_password'],
    ];
    for (const [body, code] of refused) {
      const response = await client.post('/api/auth/signup', body);
      expect([response.status, response.json.error.code]).toEqual([400, code]);
    }
  });

  it('refuses an overlong login password with 400 before hashing it', async () => {
    const response = await client.post('/api/auth/login', { username: player.user.username, password: 'p'.repeat(129) });
    expect([response.status, response.json.error.code]).toEqual([400, 'invalid_password']);
  });

  it('signs up exactly the names and passwords the rule allows (property-based)', async () => {
    // Names this server already has (other tests signed some up), as the server compares them.
    const taken = new Set((await server.store.sql()`SELECT username_key FROM users`).map((row: { username_key: string }) => row.username_key));
    const username = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_]{1,36}$/), fc.string({ unit: 'binary', maxLength: 34 }));
    const password = fc.oneof(fc.string({ minLength: 6, maxLength: 10 }), fc.string({ minLength: 125, maxLength: 131 }), fc.string({ maxLength: 140 }));
    await fc.assert(
      fc.asyncProperty(username, password, async (name, secret) => {
        const response = await client.post('/api/auth/signup', { username: name, password: secret });
        const isValidName = /^[A-Za-z0-9_]{3,32}$/.test(name);
        const isValidPassword = secret.length >= 8 && secret.length <= 128;
        if (!isValidName) return expect([response.status, response.json.error.code]).toEqual([400, 'invalid_username']);
        if (!isValidPassword) return expect([response.status, response.json.error.code]).toEqual([400, 'invalid_password']);
        const isTaken = taken.has(name.toLowerCase());
        taken.add(name.toLowerCase());
        expect(response.status).toBe(isTaken ? 409 : 201);
      }),
      { numRuns: 60 },
    );
  });
});

describe('plays per user', () => {
  it('refuses plays past PLAY_BURST with 429 and Retry-After, charging nothing, one user at a time', async () => {
    const limited = await startTestServer({ PLAY_RATE_PER_SECOND: '1', PLAY_BURST: '3' });
    try {
      const limitedClient = api(limited.url);
      const [eager, other] = [await limitedClient.signup(), await limitedClient.signup()];
      const eagerSocket = await openUserSocket(limited.url, eager.access_token);
      try {
        for (let i = 0; i < 3; i++) expect((await limitedClient.play(eager.access_token, 'slot')).status).toBe(200);
        await expectNothingCharged(limited, eager.user.id, eagerSocket, async () => {
          const refused = await limitedClient.play(eager.access_token, 'slot');
          expect([refused.status, refused.json.error.code]).toEqual([429, 'rate_limited']);
          expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        });
        // The budget is the user's own: another user plays on.
        expect((await limitedClient.play(other.access_token, 'slot')).status).toBe(200);
      } finally {
        eagerSocket.close();
      }
    } finally {
      await limited.close();
    }
  });
});
