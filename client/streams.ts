/** The two streams of API.md: a player's own events, and the admin monitor of everyone's. */
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
  /** How many event ids to remember for telling a snapshot's old events from missed ones (default 10,000). */
  rememberEvents?: number;
};

/**
 * The admin monitor (`/api/games/ws/monitor`): a `monitor_snapshot`, then every player's
 * `game_event` and `presence`. The monitor endpoint has no `since`: after a reconnect the new
 * snapshot's `recent_events` that this stream has not delivered yet are handed out as
 * `game_event`s before the live ones, so a gap is bounded by the server's RECENT_EVENTS.
 */
export class MonitorStream extends SocketStream {
  protected readonly path = '/api/games/ws/monitor';
  private readonly seen = new Set<string>();
  private hasSnapshot = false;

  constructor(private readonly monitorOptions: MonitorStreamOptions) {
    super(monitorOptions);
  }

  protected override query(): Record<string, string> {
    return this.monitorOptions.filter ?? {};
  }

  protected isEstablishedBy(message: ServerMessage): boolean {
    return message.type === 'monitor_snapshot';
  }

  protected accept(message: ServerMessage): ServerMessage[] {
    if (message.type === 'game_event') return this.remember(message.event_id) ? [message] : [];
    if (message.type !== 'monitor_snapshot') return [message];
    const isReconnect = this.hasSnapshot;
    this.hasSnapshot = true;
    const missed = message.recent_events.filter((event) => this.remember(event.event_id));
    return isReconnect ? [message, ...missed] : [message];
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
