/**
 * What a client may send on its socket: ping is answered pong, refresh refreshed or
 * invalid_token, and anything else an error (bad_json, unknown_type) with the socket left
 * open. Only the documented limits close it: 1008 past the message budget, 1009 past 4 KiB.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import { api } from '../support/client';
import { ManualClock } from '../support/clock';
import type { TestServer } from '../support/server';
import { openUserSocket, type Message, type TestSocket } from '../support/socket';
import { useServer } from '../support/suite';

const clock = new ManualClock();
const suite = useServer({}, { clock });
/** A server whose message budget a property test cannot exhaust. */
const roomySuite = useServer({ WS_MESSAGE_RATE_PER_SECOND: '100000', WS_MESSAGE_BURST: '100000' });
let server: TestServer;
let roomy: TestServer;
/** A new user for every test: the message budget is the user's, shared by all their sockets. */
let token: string;
const track = suite.sockets.track;

beforeAll(() => {
  ({ server } = suite);
  roomy = roomySuite.server;
});

beforeEach(async () => {
  token = (await suite.client.signup()).access_token;
});

/** Sends one message and returns the one answer it gets. */
async function answer(socket: TestSocket, data: string | Uint8Array): Promise<Message> {
  socket.ws.send(data);
  return socket.next();
}

/** The socket is still open and still answers, and every message it got kept the schema. */
async function expectStillServing(socket: TestSocket): Promise<void> {
  expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  await socket.settle();
  expect(socket.schemaViolations).toEqual([]);
}

describe('answers', () => {
  it('answers ping with pong', async () => {
    const socket = track(await openUserSocket(server.url, token));
    expect(await answer(socket, '{"type":"ping"}')).toMatchObject({ type: 'pong', v: 1 });
    expect(await answer(socket, '{"type":"ping","extra":[1,2,3]}')).toMatchObject({ type: 'pong' });
    await expectStillServing(socket);
  });

  const badJson = ['{bad', '{"type":"ping"', '{', '}', 'ping', '', '123', '"ping"', 'null', 'true', '[{"type":"ping"}]', '[]'];
  it('answers text that is not a JSON object with error bad_json, and stays open', async () => {
    const socket = track(await openUserSocket(server.url, token));
    for (const text of badJson) expect(await answer(socket, text)).toMatchObject({ type: 'error', code: 'bad_json' });
    await expectStillServing(socket);
  });

  it('reads a JSON object with whitespace around it like any other', async () => {
    const socket = track(await openUserSocket(server.url, token));
    expect(await answer(socket, ' {"type":"ping"}')).toMatchObject({ type: 'pong' });
    expect(await answer(socket, '\n\t{ "type" : "ping" }\r\n')).toMatchObject({ type: 'pong' });
  });

  it('answers a binary frame with error bad_json, and stays open', async () => {
    const socket = track(await openUserSocket(server.url, token));
    expect(await answer(socket, new Uint8Array([0, 159, 146, 150]))).toMatchObject({ type: 'error', code: 'bad_json' });
    expect(await answer(socket, new TextEncoder().encode('{"type":"ping"}'))).toMatchObject({ type: 'error', code: 'bad_json' });
    await expectStillServing(socket);
  });

  const unknown = ['{}', '{"type":"nope"}', '{"type":"Ping"}', '{"type":null}', '{"type":["ping"]}', '{"TYPE":"ping"}', '{"__proto__":{"type":"ping"}}', '{"type":"subscribe","topic":"monitor"}', '{"type":"game_event"}'];
  it('answers an object of no known type with error unknown_type, and stays open', async () => {
    const socket = track(await openUserSocket(server.url, token));
    for (const text of unknown) expect(await answer(socket, text)).toMatchObject({ type: 'error', code: 'unknown_type' });
    await expectStillServing(socket);
  });
});

describe('limits', () => {
  it('documents its budget defaults: 10 messages a second, bursts of 20', () => {
    expect([server.config.WS_MESSAGE_RATE_PER_SECOND, server.config.WS_MESSAGE_BURST]).toEqual([10, 20]);
  });

  it('answers a whole burst, then closes the socket with 1008 at the first message past it', async () => {
    const socket = track(await openUserSocket(server.url, token));
    const burst = server.config.WS_MESSAGE_BURST;
    for (let i = 0; i < burst + 5; i++) socket.send({ type: 'ping' });
    expect(await socket.closed).toEqual({ code: 1008, reason: 'message budget exceeded' });
    expect(socket.all('pong').length).toBe(burst);
  });

  it('refills the budget at the documented rate', async () => {
    const socket = track(await openUserSocket(server.url, token));
    const { WS_MESSAGE_BURST: burst, WS_MESSAGE_RATE_PER_SECOND: rate } = server.config;
    for (let i = 0; i < burst; i++) socket.send({ type: 'ping' });
    await socket.waitFor('pong', burst);
    clock.advance((2.5 / rate) * 1000); // two messages' worth, and a half
    for (let i = 0; i < 2; i++) socket.send({ type: 'ping' });
    await socket.waitFor('pong', burst + 2);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('answers a message of exactly 4 KiB, and closes with 1009 on one byte more', async () => {
    const socket = track(await openUserSocket(server.url, token));
    const padded = (bytes: number) => {
      const frame = '{"type":"ping","pad":""}';
      return frame.replace('""', `"${'x'.repeat(bytes - frame.length)}"`);
    };
    expect(await answer(socket, padded(4096))).toMatchObject({ type: 'pong' });
    socket.send(padded(4097));
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('arbitrary input (property-based)', () => {
  /**
   * What the contract says a text frame gets: a JSON object by its type, anything else
   * bad_json. No arbitrary refresh carries a valid token.
   */
  function expected(text: string): { type: string; code?: string } {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    if (!isObject) return { type: 'error', code: 'bad_json' };
    const type = (parsed as { type?: unknown }).type;
    if (type === 'ping') return { type: 'pong' };
    if (type === 'refresh') return { type: 'error', code: 'invalid_token' };
    return { type: 'error', code: 'unknown_type' };
  }

  const fitsAFrame = (text: string) => Buffer.byteLength(text) <= 4096;
  const runs = { numRuns: 150 };

  it('answers any text as the contract says and stays open', async () => {
    const socket = track(await openUserSocket(roomy.url, token));
    const messageLike = fc.record({ type: fc.oneof(fc.constantFrom('ping', 'refresh', 'pong', 'error', ''), fc.string()) }, { requiredKeys: [] });
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.tuple(messageLike, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })).map(([message, extra]) => JSON.stringify({ ...extra, ...message })),
    );
    await fc.assert(
      fc.asyncProperty(text, async (sent) => {
        fc.pre(fitsAFrame(sent));
        expect(await answer(socket, sent)).toMatchObject(expected(sent));
      }),
      runs,
    );
    await expectStillServing(socket);
  });

  it('answers any binary frame with bad_json and stays open', async () => {
    const socket = track(await openUserSocket(roomy.url, token));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        expect(await answer(socket, bytes)).toMatchObject({ type: 'error', code: 'bad_json' });
      }),
      { numRuns: 50 },
    );
    await expectStillServing(socket);
  });

  it('keeps serving REST and new sockets after all that', async () => {
    expect((await api(roomy.url).get('/health')).status).toBe(200);
    track(await openUserSocket(roomy.url, token));
  });
});
