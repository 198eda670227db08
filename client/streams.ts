/** The two streams of API.md: a player's own events, and the admin monitor of everyone's. */
import { CloseCode, WsErrorCode } from './protocol/close-codes';
import { SCHEMA_VERSION } from './protocol/messages';
import { SocketStream, type ServerMessage, type StreamOptions } from './socket-stream';

export type GameStreamOptions = StreamOptions & {
  /** Resume after this event (e.g. the newest one the app already shows). */
  since?: string;
};

/**
 * A player's stream (`/api/games/ws`): `ws_ack`, then the player's `game_event`s and
 * `balance_update`s. It remembers the newest `event_id` and reconnects with `?since=` it, so
 * the server replays exactly what was missed: none lost, none repeated.
 */
export class GameStream extends SocketStream {
  protected readonly path = '/api/games/ws';
  private newestEventId: string | undefined;

  constructor(options: GameStreamOptions) {
    super(options);
    this.newestEventId = options.since;
  }

  /** The newest event received (or the `since` given), from which a reconnect resumes. */
  get lastEventId(): string | undefined {
    return this.newestEventId;
  }

  protected override query(): Record<string, string> {
    return this.newestEventId === undefined ? {} : { since: this.newestEventId };
  }

  protected isEstablishedBy(message: ServerMessage): boolean {
    return message.type === 'ws_ack';
  }

  protected accept(message: ServerMessage): ServerMessage[] {
    if (message.type === 'game_event') this.newestEventId = message.event_id;
    return [message];
  }
}

export type MonitorStreamOptions = StreamOptions & {
  /** Filters for the upgrade (`games`, `user_id`, `min_bet`, `min_multiplier`), where the server offers them. */
  filter?: Record<string, string>;
  /** Resume after this cursor (a game_event's `cursor`, e.g. the newest one the tool already shows). */
  since?: string;
  /** How many event ids to remember for telling a snapshot's old events from missed ones (default 10,000). */
  rememberEvents?: number;
};

/**
 * The admin monitor (`/api/games/ws/monitor`): a `monitor_snapshot`, then every player's
 * `game_event` and `presence`, in the cursor order every instance uses. It remembers the
 * newest `cursor` (`lastCursor`) and reconnects with `?since=` it: the server's snapshot then
 * holds every event after it, however many (up to its RESUME_MAX_EVENTS), handed out as
 * `game_event`s before the live ones, each once. Past that bound the server closes 4006: the
 * stream says `resync_required` (reload over REST, `GET /api/admin/events`) and reconnects
 * without `since`, to a fresh snapshot.
 */
export class MonitorStream extends SocketStream {
  protected readonly path = '/api/games/ws/monitor';
  private readonly seen = new Set<string>();
  private hasSnapshot = false;
  private newestCursor: string | undefined;

  constructor(private readonly monitorOptions: MonitorStreamOptions) {
    super(monitorOptions);
    this.newestCursor = monitorOptions.since;
  }

  /** The cursor of the newest event handed out (or the `since` given), from which a reconnect resumes. */
  get lastCursor(): string | undefined {
    return this.newestCursor;
  }

  protected override query(): Record<string, string> {
    const filter = this.monitorOptions.filter ?? {};
    return this.newestCursor === undefined ? filter : { ...filter, since: this.newestCursor };
  }

  protected isEstablishedBy(message: ServerMessage): boolean {
    return message.type === 'monitor_snapshot';
  }

  protected override onClose(code: number): void {
    if (code !== CloseCode.RESUME_OUT_OF_RANGE) return;
    this.newestCursor = undefined;
    const message = `the events after the cursor are more than the server replays; reload them over REST (GET /api/admin/events)`;
    this.emit('resync_required', { type: 'error', v: SCHEMA_VERSION, code: WsErrorCode.RESYNC_REQUIRED, message, ts: new Date().toISOString() });
  }

  protected accept(message: ServerMessage): ServerMessage[] {
    if (message.type === 'game_event') {
      if (!this.remember(message.event_id)) return [];
      this.noteCursor(message.cursor);
      return [message];
    }
    if (message.type !== 'monitor_snapshot') return [message];
    const isReconnect = this.hasSnapshot || this.monitorOptions.since !== undefined;
    this.hasSnapshot = true;
    const missed = message.recent_events.filter((event) => this.remember(event.event_id));
    for (const event of message.recent_events) this.noteCursor(event.cursor);
    return isReconnect ? [message, ...missed] : [message];
  }

  private noteCursor(cursor: string | undefined): void {
    if (cursor !== undefined && (this.newestCursor === undefined || Number(cursor) > Number(this.newestCursor))) this.newestCursor = cursor;
  }

  /** Notes an event id; false when it was already delivered. */
  private remember(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.seen.size > (this.monitorOptions.rememberEvents ?? 10_000)) this.seen.delete(this.seen.values().next().value!);
    return true;
  }
}
