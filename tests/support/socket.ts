/**
 * WebSocket helpers: open a socket, wait for the next message of a kind, wait for the close.
 * Every message received is checked against the server message schemas (src/realtime/events.ts),
 * so every integration test also tests the wire format.
 */
import { Value } from '@sinclair/typebox/value';
import { ServerMessage } from '../../client/protocol/messages';

export type Message = Record<string, any> & { type: string };

export class TestSocket {
  readonly received: Message[] = [];
  readonly schemaViolations: string[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void; reject: (e: Error) => void; timer: Timer }[] = [];
  private cursor = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(readonly ws: WebSocket) {
    this.opened = new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true });
      ws.addEventListener('error', () => reject(new Error('socket failed to open')), { once: true });
    });
    this.closed = new Promise((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }), { once: true }));
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      if (!Value.Check(ServerMessage, message)) {
        const issue = [...Value.Errors(ServerMessage, message)][0];
        this.schemaViolations.push(`${message.type}: ${issue?.path} ${issue?.message}`);
      }
      this.received.push(message);
      for (const waiter of this.waiters) {
        if (waiter.match(message)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          clearTimeout(waiter.timer);
          this.cursor = this.received.length;
          waiter.resolve(message);
          return;
        }
      }
    });
  }

  /** The next message (after those already taken) matching `match`, waiting up to `timeoutMs`. */
  next(match: string | ((m: Message) => boolean) = () => true, timeoutMs = 5000): Promise<Message> {
    const predicate = typeof match === 'string' ? (m: Message) => m.type === match : match;
    for (let i = this.cursor; i < this.received.length; i++) {
      if (predicate(this.received[i]!)) {
        this.cursor = i + 1;
        return Promise.resolve(this.received[i]!);
      }
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} message within ${timeoutMs} ms; got: ${this.received.map((m) => m.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.push({ match: predicate, resolve, reject, timer });
    });
  }

  /** All messages of a type received so far. */
  all(type: string): Message[] {
    return this.received.filter((m) => m.type === type);
  }

  /** Waits until `count` messages of `type` have arrived. */
  async waitFor(type: string, count: number, timeoutMs = 5000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.all(type).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} ${type}, got ${this.all(type).length}`);
      await Bun.sleep(5);
    }
    return this.all(type);
  }

  /**
   * Sends a ping and returns what arrived from now until its pong. A socket's messages arrive
   * in order and a play publishes before it answers, so whatever a finished request emitted to
   * this socket is in the list. Each call spends one message of the socket's budget.
   */
  async settle(timeoutMs = 5000): Promise<Message[]> {
    const start = this.received.length;
    const pongAt = () => this.received.findIndex((m, i) => i >= start && m.type === 'pong');
    this.send({ type: 'ping' });
    const deadline = Date.now() + timeoutMs;
    while (pongAt() === -1) {
      if (Date.now() > deadline) throw new Error(`no pong within ${timeoutMs} ms`);
      await Bun.sleep(2);
    }
    return this.received.slice(start, pongAt());
  }

  send(data: unknown): void {
    this.ws.send(typeof data === 'string' ? data : JSON.stringify(data));
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }
}

export type SocketAuth = { token?: string; query?: Record<string, string>; headers?: Record<string, string>; protocols?: string[] };

/** Opens a socket to `path` on the server at `baseUrl` (http URL), token in the Authorization header by default. */
export function openSocket(baseUrl: string, path: string, auth: SocketAuth = {}): TestSocket {
  const url = new URL(path, baseUrl.replace(/^http/, 'ws'));
  for (const [key, value] of Object.entries(auth.query ?? {})) url.searchParams.set(key, value);
  const headers = { ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}), ...auth.headers };
  // Bun's WebSocket takes headers in an options object, as browsers cannot.
  const ws = new WebSocket(url.toString(), { headers, protocols: auth.protocols } as unknown as string[]);
  return new TestSocket(ws);
}

/** Opens a user socket and waits for its ws_ack. */
export async function openUserSocket(baseUrl: string, token: string, query?: Record<string, string>): Promise<TestSocket> {
  const socket = openSocket(baseUrl, '/api/games/ws', { token, query });
  await socket.next('ws_ack');
  return socket;
}

/** Opens a monitor and waits for its snapshot. */
export async function openMonitor(baseUrl: string, token: string): Promise<{ socket: TestSocket; snapshot: Message }> {
  const socket = openSocket(baseUrl, '/api/games/ws/monitor', { token });
  const snapshot = await socket.next('monitor_snapshot');
  return { socket, snapshot };
}

/** The status of a refused upgrade: fetch with upgrade headers, as the handshake would be sent. */
export async function upgradeStatus(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(baseUrl + path, {
    headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
  });
  // An accepted upgrade turns the connection into a socket: there is no body to wait for.
  if (response.status === 101) return { status: 101, body: undefined };
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body };
}
