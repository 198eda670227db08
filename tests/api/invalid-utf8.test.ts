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

describe('a text frame that is not UTF-8', () => {
  it('is answered when valid, and closes a user socket with 1007 when not', async () => {
    const { access_token } = await suite.client.signup();
    const raw = await RawWebSocket.open(suite.server.url, '/api/games/ws', { token: access_token });
    try {
      await received(raw, 'ws_ack');
      raw.sendText(Buffer.from('{"type":"ping"}'));
      await received(raw, 'pong');
      raw.sendText(INVALID);
      await raw.ended;
      expect(raw.closeFrame()?.code).toBe(1007);
    } finally {
      raw.close();
    }
  });

  it('closes a monitor socket with 1007', async () => {
    const { access_token } = await suite.client.loginAdmin();
    const raw = await RawWebSocket.open(suite.server.url, '/api/games/ws/monitor', { token: access_token });
    try {
      await received(raw, 'monitor_snapshot');
      raw.sendText(INVALID);
      await raw.ended;
      expect(raw.closeFrame()?.code).toBe(1007);
    } finally {
      raw.close();
    }
  });
});
