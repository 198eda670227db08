/**
 * The server's Prometheus metrics: one `Metrics` per app (tests run many apps in one process,
 * so nothing is global), typed methods for each thing counted, and `render()` in the text
 * exposition format 0.0.4. Names follow Prometheus (`_total`, `_seconds`, base units) with the
 * `games_` prefix; money, which has no base unit, is counted and named in cents
 * (`games_bet_cents_total`). `games_node_num_clients` (centrifugo's name) is kept beside
 * `games_websocket_connections`, the same gauge under the name the contract prefers.
 * docs/API.md ("Metrics") lists every family.
 *
 * Written by hand rather than with prom-client 15.1.3, because its costs under Bun 1.4.5 were
 * measured side by side on this machine (same process, same load): a play's three labelled
 * counters 470–1120 ns with prom-client against 40–90 ns here; one labelled latency
 * observation 840–1120 ns against 95–135 ns; a scrape 125 µs against 62 µs. Its default
 * process metrics took about 9 ms of CPU per scrape (and the event-loop lag ones read NaN
 * under Bun); the few below take microseconds. Money is counted in integer cents, so the
 * totals equal the ledger's exactly (`bench/micro/observability.ts` repeats the timings).
 */

import type { BuildInfo } from './build-info';

/** The kinds of socket, as the realtime routes name them. */
export type SocketKind = 'user' | 'monitor';
/** Why the server closed a socket itself: 4002 and 1008 (API.md's close codes). */
export type ServerCloseReason = 'too_slow' | 'message_budget' | 'resume_budget' | 'blocked' | 'admin';

const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const TRANSACTION_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** Cumulative bucket counts for one label set. */
class Buckets {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    // Counted in the first bucket that holds it; render() makes the counts cumulative.
    for (let i = 0; i < this.bounds.length; i++) {
      if (value <= this.bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }

  lines(name: string, labels: string): string[] {
    const sep = labels ? ',' : '';
    const out: string[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      out.push(`${name}_bucket{${labels}${sep}le="${bound}"} ${cumulative}`);
    });
    out.push(`${name}_bucket{${labels}${sep}le="+Inf"} ${this.count}`);
    const braced = labels ? `{${labels}}` : '';
    out.push(`${name}_sum${braced} ${this.sum}`, `${name}_count${braced} ${this.count}`);
    return out;
  }
}

/** A label value as the text format wants it: backslash, quote and newline escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const header = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];

/** One sample line per label value of a single-label family. */
function byLabel(name: string, label: string, values: Map<string, number>): string[] {
  return [...values].map(([value, n]) => `${name}{${label}="${escapeLabel(value)}"} ${n}`);
}

const add = (map: Map<string, number>, key: string, by: number) => map.set(key, (map.get(key) ?? 0) + by);


export class Metrics {
  constructor(private readonly build: BuildInfo) {}

  private readonly openSockets = new Map<string, number>([
    ['user', 0],
    ['monitor', 0],
  ]);
  private readonly plays = new Map<string, number>();
  private readonly betCents = new Map<string, number>();
  private readonly payoutCents = new Map<string, number>();
  private readonly delivered = new Map<string, number>();
  private readonly serverCloses = new Map<string, number>([
    ['too_slow', 0],
    ['message_budget', 0],
    ['resume_budget', 0],
  ]);
  private publishFailures = 0;
  private readonly droppedFrames = new Map<string, number>();
  private readonly brokerMessages = new Map<string, number>();
  /**
   * By method, route pattern, then status: lookups by strings the router already holds, so no
   * key is built per request. The route is the pattern, so the label set stays small.
   */
  private readonly requests = new Map<string, Map<string, Map<number, Buckets>>>();
  private readonly batchSizes = new Buckets(BATCH_SIZE_BUCKETS);
  private readonly transactionSeconds = new Buckets(TRANSACTION_BUCKETS_SECONDS);
  private readonly startedAtSeconds = Math.floor(Date.now() / 1000);

  socketOpened(kind: SocketKind): void {
    add(this.openSockets, kind, 1);
  }

  socketClosed(kind: SocketKind): void {
    add(this.openSockets, kind, -1);
  }

  /** A socket the server closed itself: 4002 (too slow) or 1008 (message budget). */
  serverClosed(reason: ServerCloseReason): void {
    add(this.serverCloses, reason, 1);
  }

  /** A committed play, with its bet and payout in cents. */
  played(game: string, betCents: number, payoutCents: number): void {
    add(this.plays, game, 1);
    add(this.betCents, game, betCents);
    add(this.payoutCents, game, payoutCents);
  }

  /** A message the broker delivered to this instance's topics (`user:<id>` or `monitor`). */
  deliveredTo(topic: 'user' | 'monitor'): void {
    add(this.delivered, topic, 1);
  }

  publishFailed(): void {
    this.publishFailures++;
  }

  /** A message another instance published, taken off the broker here (`kind`: user, presence). */
  brokerReceived(kind: string): void {
    add(this.brokerMessages, kind, 1);
  }

  /** A frame from the broker dropped as malformed or unauthenticated, never delivered. */
  frameDropped(reason: string): void {
    add(this.droppedFrames, reason, 1);
  }

  /** One committed ledger transaction: how many plays it held and how long it took. */
  ledgerCommitted(batchSize: number, seconds: number): void {
    this.batchSizes.observe(batchSize);
    this.transactionSeconds.observe(seconds);
  }

  /** One answered REST request; `route` is the route's pattern (`/api/games/slot/spin`). */
  requestAnswered(method: string, route: string, status: number, seconds: number): void {
    let routes = this.requests.get(method);
    if (!routes) this.requests.set(method, (routes = new Map()));
    let statuses = routes.get(route);
    if (!statuses) routes.set(route, (statuses = new Map()));
    let buckets = statuses.get(status);
    if (!buckets) statuses.set(status, (buckets = new Buckets(LATENCY_BUCKETS_SECONDS)));
    buckets.observe(seconds);
  }

  /** Everything, in the Prometheus text exposition format 0.0.4. */
  render(): string {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const requestName = 'games_http_request_duration_seconds';
    const { version, commit, bun } = this.build;
    const lines = [
      ...header('games_build_info', 'gauge', 'Always 1; the labels say what runs: the package version, the commit, the Bun version.'),
      `games_build_info{version="${escapeLabel(version)}",commit="${escapeLabel(commit)}",bun="${escapeLabel(bun)}"} 1`,
      ...header('games_websocket_connections', 'gauge', 'Open WebSockets on this instance, by kind (user or monitor).'),
      ...byLabel('games_websocket_connections', 'kind', this.openSockets),
      ...header('games_node_num_clients', 'gauge', 'Open WebSockets on this instance, by kind; the same as games_websocket_connections, under centrifugo\'s name.'),
      ...byLabel('games_node_num_clients', 'kind', this.openSockets),
      ...header('games_plays_total', 'counter', 'Plays committed, by game.'),
      ...byLabel('games_plays_total', 'game', this.plays),
      ...header('games_bet_cents_total', 'counter', 'Money bet in committed plays, by game, in cents (integer, equal to the ledger).'),
      ...byLabel('games_bet_cents_total', 'game', this.betCents),
      ...header('games_payout_cents_total', 'counter', 'Money paid out by committed plays, by game, in cents (integer, equal to the ledger).'),
      ...byLabel('games_payout_cents_total', 'game', this.payoutCents),
      ...header('games_messages_delivered_total', 'counter', 'Messages (game events, balance updates, presence) the broker delivered to this instance, by topic.'),
      ...byLabel('games_messages_delivered_total', 'topic', this.delivered),
      ...header('games_server_closes_total', 'counter', 'Sockets the server closed: too_slow (4002), message_budget (1008) and resume_budget (4005).'),
      ...byLabel('games_server_closes_total', 'reason', this.serverCloses),
      ...header('games_broker_publish_failures_total', 'counter', 'Publishes the broker refused or lost.'),
      `games_broker_publish_failures_total ${this.publishFailures}`,
      ...header('games_broker_messages_received_total', 'counter', 'Messages other instances published that this instance took from the broker, by kind (user: a user topic it follows, presence).'),
      ...byLabel('games_broker_messages_received_total', 'kind', this.brokerMessages),
      ...header('games_broker_frames_dropped_total', 'counter', 'Frames from the broker dropped, never delivered, by reason (malformed, unauthenticated).'),
      ...byLabel('games_broker_frames_dropped_total', 'reason', this.droppedFrames),
      ...header(requestName, 'histogram', 'REST request latency by method, route pattern and status.'),
      ...[...this.requests].flatMap(([method, routes]) =>
        [...routes].flatMap(([route, statuses]) =>
          [...statuses].flatMap(([status, buckets]) => buckets.lines(requestName, `method="${escapeLabel(method)}",route="${escapeLabel(route)}",status="${status}"`)),
        ),
      ),
      ...header('games_ledger_batch_size', 'histogram', 'Plays per committed ledger transaction (group commit).'),
      ...this.batchSizes.lines('games_ledger_batch_size', ''),
      ...header('games_ledger_transaction_duration_seconds', 'histogram', 'Time from BEGIN to COMMIT of a committed ledger transaction.'),
      ...this.transactionSeconds.lines('games_ledger_transaction_duration_seconds', ''),
      ...header('process_cpu_seconds_total', 'counter', 'User and system CPU time spent, in seconds.'),
      `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
      ...header('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.'),
      `process_resident_memory_bytes ${memory.rss}`,
      ...header('process_heap_bytes', 'gauge', 'JavaScript heap in use, in bytes.'),
      `process_heap_bytes ${memory.heapUsed}`,
      ...header('process_start_time_seconds', 'gauge', 'Start time of this app since the Unix epoch, in seconds.'),
      `process_start_time_seconds ${this.startedAtSeconds}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}

/** The content type of `render()`'s text. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
