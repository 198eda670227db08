/**
 * A WebSocket client on a bare TCP socket (node:net), for what the WebSocket class hides: it
 * can stop reading (`pause()`) so the server's send buffer fills as it would for a slow reader,
 * and it shows the close frame's code as it arrived on the wire.
 */
import { connect, type Socket } from 'node:net';

export type Frame = { opcode: number; payload: Buffer };

const OPCODE_TEXT = 1;
const OPCODE_CLOSE = 8;

export class RawWebSocket {
  /** Every complete frame received, in order. */
  readonly frames: Frame[] = [];
  /** Resolves when the TCP connection is gone. */
  readonly ended: Promise<void>;
  private pending: Buffer = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', () => {});
  }

  /** Opens `path` (with `query`) with a bearer token; resolves after the 101 response. */
  static async open(baseUrl: string, path: string, options: { token: string; query?: Record<string, string> }): Promise<RawWebSocket> {
    const url = new URL(path, baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
    socket.write(
      [
        `GET ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        `Authorization: Bearer ${options.token}`,
        '',
        '',
      ].join('\r\n'),
    );
    // Read the response head by hand, keeping whatever frames came in the same chunk.
    const rest = await new Promise<Buffer>((resolve, reject) => {
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.off('data', onData);
        const status = head.subarray(0, end).toString().split(' ')[1];
        if (status !== '101') reject(new Error(`upgrade refused: ${head.subarray(0, end).toString().split('\r\n')[0]}`));
        else resolve(head.subarray(end + 4));
      };
      socket.on('data', onData);
    });
    const raw = new RawWebSocket(socket);
    raw.take(rest);
    return raw;
  }

  /** The JSON text messages received so far. */
  messages(): Record<string, any>[] {
    return this.frames.filter((f) => f.opcode === OPCODE_TEXT).map((f) => JSON.parse(f.payload.toString()));
  }

  /** The close frame's code and reason, once one has been read. */
  closeFrame(): { code: number; reason: string } | undefined {
    const frame = this.frames.find((f) => f.opcode === OPCODE_CLOSE);
    return frame && { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString() };
  }

  /** Sends `payload` as one masked text frame, as is, even when it is not valid UTF-8. */
  sendText(payload: Buffer): void {
    if (payload.length > 125) throw new Error('sendText writes short frames only');
    const mask = Buffer.from(crypto.getRandomValues(new Uint8Array(4)));
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x80 | OPCODE_TEXT, 0x80 | payload.length]), mask, masked]));
  }

  /** Stops reading: the kernel buffers fill, then the server's send buffer. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Drops the TCP connection without a close frame, as a vanished client does. */
  close(): void {
    this.socket.destroy();
  }

  private take(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) return;
      this.frames.push(frame);
    }
  }

  /** Cuts one complete (unmasked, unfragmented) server frame off the front of `pending`. */
  private nextFrame(): Frame | undefined {
    const data = this.pending;
    if (data.length < 2) return undefined;
    const opcode = data[0]! & 0x0f;
    let length = data[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (data.length < 4) return undefined;
      length = data.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (data.length < 10) return undefined;
      length = Number(data.readBigUInt64BE(2));
      offset = 10;
    }
    if (data.length < offset + length) return undefined;
    this.pending = data.subarray(offset + length);
    return { opcode, payload: Buffer.from(data.subarray(offset, offset + length)) };
  }
}
