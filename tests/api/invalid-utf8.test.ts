/**
 * API.md, close codes: "1007 — invalid UTF-8 in a text frame". A text frame whose bytes are not
 * UTF-8 closes the socket with 1007, on both streams; the same frame as valid UTF-8 is answered.
 * The frames go over a bare TCP socket, since a WebSocket client cannot send bad UTF-8.
 */
import { describe, expect, it } from 'bun:test';
import { RawWebSocket } from '../support/raw-socket';
import { waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

const suite = useServer();

/** `{"type":"ping"}` with one byte (0xff) that can never occur in UTF-8 inside the string. */
const INVALID = Buffer.concat([Buffer.from('{"type":"pi'), Buffer.from([0xff]), Buffer.from('ng"}')]);

const received = (raw: RawWebSocket, type: string) => waitUntil(() => raw.messages().some((m) => m.type === type), type);

/** Opens `path`, waits for `greeting`, has a valid ping answered, then sends INVALID: the close code. */
async function closeCodeAfterInvalid(path: string, token: string, greeting: string): Promise<number | undefined> {
  const raw = await RawWebSocket.open(suite.server.url, path, { token });
  try {
    await received(raw, greeting);
    raw.sendText(Buffer.from('{"type":"ping"}'));
    await received(raw, 'pong');
    raw.sendText(INVALID);
    await raw.ended;
    return raw.closeFrame()?.code;
  } finally {
    raw.close();
  }
}

describe('a text frame that is not UTF-8', () => {
  it('is answered when valid, and closes a user socket with 1007 when not', async () => {
    const { access_token } = await suite.client.signup();
    expect(await closeCodeAfterInvalid('/api/games/ws', access_token, 'ws_ack')).toBe(1007);
  });

  it('is answered when valid, and closes a monitor socket with 1007 when not', async () => {
    const { access_token } = await suite.client.loginAdmin();
    expect(await closeCodeAfterInvalid('/api/games/ws/monitor', access_token, 'monitor_snapshot')).toBe(1007);
  });
});
