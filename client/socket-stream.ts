/**
 * A WebSocket stream that stays connected: it authenticates with the subprotocol token, hands
 * out typed messages, refreshes its token in-band, and reconnects after a drop with backoff and
 * full jitter as the close code says (API.md, "WebSocket streams"). GameStream and
 * MonitorStream add what differs between the two endpoints.
 */
import { Value } from '@sinclair/typebox/value';
import { CloseCode, WsErrorCode } from './protocol/close-codes';
import { BEARER_PROTOCOL_PREFIX, ServerMessage, SUBPROTOCOL, type ClientMessage } from './protocol/messages';
import { backoffDelay, DEFAULT_BACKOFF, patientBackoffDelay, realScheduler, refreshDelayMs, type BackoffOptions, type Scheduler, type TimerHandle } from './scheduler';

export type { ServerMessage };
export { SUBPROTOCOL };
export type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * Closes after which reconnecting cannot help: the client itself broke a rule (message budget,
 * invalid UTF-8, message too big), and would break it again, or an admin blocked the account
 * (4003: the upgrade would be refused). 4004 (closed by an admin) is not among them: it reconnects.
 */
const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.POLICY_VIOLATION, CloseCode.INVALID_PAYLOAD, CloseCode.MESSAGE_TOO_BIG, CloseCode.ACCOUNT_BLOCKED]);
/** After 4005 (resume budget exceeded): 0.5–1 s, then 1–2 s, … up to 15–30 s while it goes on. */
const RESUME_BUDGET_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };
/** A socket that never opened this many times in a row gets a fresh token: a refused upgrade (401) looks like any other failure to a WebSocket. */
const UNOPENED_FAILURES_BEFORE_FRESH_TOKEN = 2;

export type GetToken = (options: { fresh: boolean }) => Promise<string>;

export type WebSocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: any) => void) | null;
};
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export type StreamOptions = {
  /** The server's base URL, `http(s)://host:port` (or `ws(s)://`). */
  url: string;
  /**
   * An access token for the next connection or in-band refresh. `fresh: true` means the one
   * used before was refused or is about to expire: return a newly issued one.
   */
  getToken: GetToken;
  /** Refresh the token over the open socket before it expires (default true). */
  inBandRefresh?: boolean;
  /** Replace the token this long before it expires (default 60 s, or a fifth of its life if shorter). */
  refreshMarginMs?: number;
  backoff?: BackoffOptions;
  /** Backoff after 4005 (the server's resume budget for this user is spent); never retries at once. */
  resumeBackoff?: BackoffOptions;
  /** Give up on a handshake after this long and retry (default 10 s). */
  connectTimeoutMs?: number;
  scheduler?: Scheduler;
  /** Opens the socket; defaults to the global WebSocket (browsers, Bun, Node 22+). */
  createSocket?: WebSocketFactory;
};

export type StreamEvents = { [K in ServerMessage['type']]: MessageOf<K> } & {
  /** Every message from the server, whatever its type. */
  message: ServerMessage;
  /** The server sent `resync_required`: events were lost to the stream; reload state over REST. */
  resync_required: MessageOf<'error'>;
  /** The connection dropped; another is attempted after `reconnectInMs`. */
  disconnected: { code: number; reason: string; reconnectInMs: number };
  /** A close that reconnecting cannot mend (1007, 1008, 1009, 4003); the stream has stopped. */
  fatal: { code: number; reason: string };
  /** The stream has stopped for good (after `close()` or a fatal close). */
  closed: { code: number; reason: string };
  /** A frame that is not a message of the API (newer server, or a bug): dropped. */
  invalid_message: { data: string; reason: string };
  /** `getToken` failed; the stream retries with backoff. */
  token_error: { error: unknown };
};
export type StreamEventName = keyof StreamEvents;
export type StreamState = 'connecting' | 'open' | 'waiting' | 'closed';

const isFatal = (code: number) => FATAL_CLOSE_CODES.has(code);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export abstract class SocketStream {
  state: StreamState = 'connecting';
  /** Resolves when the stream stops for good. */
  readonly done: Promise<{ code: number; reason: string }>;

  protected readonly options: StreamOptions;
  private readonly scheduler: Scheduler;
  private readonly listeners = new Map<StreamEventName, Set<(event: any) => void>>();
  private socket: WebSocketLike | undefined;
  /** Counts connections, so events of a socket already replaced are ignored. */
  private generation = 0;
  private attempt = 0;
  /** 4005 closes in a row: a resume that gets through (its events or balance arrive) ends the run. */
  private budgetStrikes = 0;
  private unopenedFailures = 0;
  private needsFreshToken = false;
  private isOpened = false;
  private isStopped = false;
  private reconnectTimer: TimerHandle | undefined;
  private refreshTimer: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private resolveDone!: (value: { code: number; reason: string }) => void;

  constructor(options: StreamOptions) {
    this.options = options;
    this.scheduler = options.scheduler ?? realScheduler;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // After the constructor returns, so listeners added in the same turn miss nothing.
    queueMicrotask(() => void this.connect());
  }

  /** The endpoint path, e.g. `/api/games/ws`. */
  protected abstract readonly path: string;
  /** Query parameters of the next connection. */
  protected query(): Record<string, string> {
    return {};
  }
  /** What a checked message becomes for listeners (a subclass may add or hold back messages). */
  protected abstract accept(message: ServerMessage): ServerMessage[];
  /** Called when a connection is established (its first message arrived). */
  protected abstract isEstablishedBy(message: ServerMessage): boolean;
  /** A connection closed (before the stream decides whether to reconnect): a subclass may change what the next one asks. */
  protected onClose(_code: number, _reason: string): void {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends StreamEventName>(type: K, listener: (event: StreamEvents[K]) => void): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }

  /** Asks the server for a `pong` (a liveness check). Does nothing while not connected. */
  ping(): void {
    this.send({ type: 'ping' });
  }

  /** Stops for good: closes the socket (1000) and never reconnects. */
  close(): void {
    this.stop(1000, 'closed by the client');
  }

  protected send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  protected emit<K extends StreamEventName>(type: K, event: StreamEvents[K]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        listener(event);
      } catch (error) {
        // A listener's bug must not stop the stream; it still surfaces as an uncaught error.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.isStopped) return;
    this.state = 'connecting';
    let token: string;
    try {
      token = await this.options.getToken({ fresh: this.needsFreshToken });
    } catch (error) {
      this.emit('token_error', { error });
      this.retry(0, `no token: ${describe(error)}`);
      return;
    }
    if (this.isStopped) return;
    this.needsFreshToken = false;
    this.isOpened = false;
    const generation = ++this.generation;
    const isCurrent = () => generation === this.generation;
    const socket = (this.options.createSocket ?? defaultSocketFactory)(this.socketUrl(), [SUBPROTOCOL, BEARER_PROTOCOL_PREFIX + token]);
    this.socket = socket;
    this.connectTimer = this.scheduler.setTimeout(() => {
      if (isCurrent() && !this.isOpened) socket.close(4000, 'handshake timed out');
    }, this.options.connectTimeoutMs ?? 10_000);
    socket.onmessage = (event) => {
      if (isCurrent()) this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (isCurrent()) this.closed(event.code, event.reason);
    };
    // A failed socket is always followed by its close, which decides what happens next.
    socket.onerror = () => {};
  }

  private socketUrl(): string {
    const url = new URL(this.path, this.options.url.replace(/^http/, 'ws'));
    for (const [key, value] of Object.entries(this.query())) url.searchParams.set(key, value);
    return url.toString();
  }

  private receive(data: unknown): void {
    const text = typeof data === 'string' ? data : String(data);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.emit('invalid_message', { data: text, reason: 'not JSON' });
      return;
    }
    if (!Value.Check(ServerMessage, message)) {
      const issue = [...Value.Errors(ServerMessage, message)][0];
      this.emit('invalid_message', { data: text, reason: `${issue?.path ?? ''} ${issue?.message ?? 'does not match the API'}`.trim() });
      return;
    }
    if (!this.isOpened && this.isEstablishedBy(message)) this.established();
    if (message.type === 'ws_ack' || message.type === 'refreshed') this.scheduleRefresh(message.expires_in);
    if (message.type === 'game_event' || message.type === 'balance_update') this.budgetStrikes = 0;
    for (const accepted of this.accept(message)) {
      this.emit(accepted.type, accepted as never);
      this.emit('message', accepted);
      if (accepted.type === 'error' && accepted.code === WsErrorCode.RESYNC_REQUIRED) this.emit('resync_required', accepted);
    }
  }

  private established(): void {
    this.isOpened = true;
    this.state = 'open';
    this.attempt = 0;
    this.unopenedFailures = 0;
    this.scheduler.clearTimeout(this.connectTimer);
  }

  private scheduleRefresh(expiresIn: number): void {
    this.scheduler.clearTimeout(this.refreshTimer);
    if (this.options.inBandRefresh === false) return;
    const generation = this.generation;
    this.refreshTimer = this.scheduler.setTimeout(() => void this.refreshInBand(generation), refreshDelayMs(expiresIn, this.options.refreshMarginMs));
  }

  /**
   * Sends a new token over the open socket. If that fails the server closes the socket 4001 at
   * expiry, and the reconnect asks for a fresh token: nothing is lost either way.
   */
  private async refreshInBand(generation: number): Promise<void> {
    let token: string;
    try {
      token = await this.options.getToken({ fresh: true });
    } catch (error) {
      this.emit('token_error', { error });
      return;
    }
    if (generation === this.generation) this.send({ type: 'refresh', token });
  }

  private closed(code: number, reason: string): void {
    this.clearTimers();
    this.socket = undefined;
    if (this.isStopped) return;
    this.onClose(code, reason);
    if (isFatal(code)) {
      this.emit('fatal', { code, reason });
      this.stop(code, reason);
      return;
    }
    if (code === CloseCode.TOKEN_EXPIRED) this.needsFreshToken = true;
    if (!this.isOpened && ++this.unopenedFailures >= UNOPENED_FAILURES_BEFORE_FRESH_TOKEN) this.needsFreshToken = true;
    // The ws_ack came, so the usual backoff starts over; the budget's own does not.
    if (code === CloseCode.RESUME_BUDGET_EXCEEDED) this.retry(code, reason, patientBackoffDelay(this.budgetStrikes++, this.scheduler.random(), this.options.resumeBackoff ?? RESUME_BUDGET_BACKOFF));
    else this.retry(code, reason);
  }

  private retry(code: number, reason: string, delayMs?: number): void {
    if (this.isStopped) return;
    const delay = delayMs ?? backoffDelay(this.attempt++, this.scheduler.random(), this.options.backoff ?? DEFAULT_BACKOFF);
    this.state = 'waiting';
    this.emit('disconnected', { code, reason, reconnectInMs: delay });
    this.reconnectTimer = this.scheduler.setTimeout(() => void this.connect(), delay);
  }

  private stop(code: number, reason: string): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.state = 'closed';
    this.clearTimers();
    this.scheduler.clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.generation++;
    if (socket && socket.readyState <= 1) socket.close(1000, reason);
    this.emit('closed', { code, reason });
    this.resolveDone({ code, reason });
  }

  private clearTimers(): void {
    this.scheduler.clearTimeout(this.refreshTimer);
    this.scheduler.clearTimeout(this.connectTimer);
  }
}

const defaultSocketFactory: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike;
