/**
 * The play path as a client sees it: REST play loops, each play's event awaited on the
 * player's own socket (latency) and counted on every monitor (loss).
 */
import { inBatches } from "../lib/pool.ts";
import { quantile } from "../lib/stats.ts";
import type { PlayResult, PlayRun, PlaySetup } from "./protocol.ts";
import { openStream, type Stream } from "./streams.ts";

const OPEN_CONCURRENCY = 64;
const REQUEST_TIMEOUT_MS = 10_000;
/** A server that stopped answering fails fast; stop looping instead of spinning until the deadline. */
const MAX_ERRORS = 500;

/** Where player `index` plays: its own instance of a cluster. */
export function playUrl(setup: PlaySetup, index: number): string {
  const { instances } = setup;
  return instances ? instances[index % instances.length]! : setup.baseUrl;
}

/** Where stream `index` (players first, then monitors) listens: in a cluster, the instance after its player's. */
export function streamUrl(setup: PlaySetup, index: number): string {
  const { instances } = setup;
  return instances ? instances[(index + 1) % instances.length]! : setup.baseUrl;
}

export class PlayDriver {
  private streams: Stream[] = [];
  private setup?: PlaySetup;

  // Per run. An event can overtake its HTTP response (the server publishes before it
  // answers), so whichever of the two comes first waits in its map for the other.
  private sentAt = new Map<string, number>();
  private arrivedAt = new Map<string, number>();
  private latencies: number[] = [];
  private answered = 0;
  private userDeliveries = 0;
  private monitorDeliveries = 0;
  private waiters: { maxOutstanding: number; wake: () => void }[] = [];

  async prepare(setup: PlaySetup): Promise<{ players: number; monitors: number }> {
    await this.close();
    this.setup = setup;
    const { kind, players, adminToken, monitors } = setup;
    const errors = await inBatches(players.length + monitors, OPEN_CONCURRENCY, async (i) => {
      const player = players[i];
      const stream = player
        ? await openStream(kind, streamUrl(setup, i), "user", player.token, (text) => this.onUserMessage(text))
        : await openStream(kind, streamUrl(setup, i), "monitor", adminToken, (text) => this.onMonitorMessage(text), setup.monitorQuery);
      this.streams.push(stream);
    });
    if (errors.length > 0) throw new Error(`${errors.length} of ${players.length + monitors} play streams failed: ${String(errors[0])}`);
    return { players: players.length, monitors };
  }

  async run(run: PlayRun): Promise<PlayResult> {
    const setup = this.setup;
    if (!setup) throw new Error("runPlay before preparePlay");
    this.resetCounters();
    const body = JSON.stringify({ bet: run.bet });
    const deliveriesPerPlay = this.deliveriesPerPlay();
    const maxOutstanding = run.maxPlaysInFlight === undefined ? Infinity : run.maxPlaysInFlight * deliveriesPerPlay;
    let started = 0;
    let errors = 0;
    let firstError: string | undefined;
    const startedAt = performance.now();
    const deadline = startedAt + run.durationMs;
    const mayStart = () => performance.now() < deadline && started < run.maxPlays && errors < MAX_ERRORS;

    const loop = async (index: number) => {
      const player = setup.players[index % setup.players.length]!;
      const url = `${playUrl(setup, index % setup.players.length)}/api/games/slot/spin`;
      const headers = { authorization: `Bearer ${player.token}`, "content-type": "application/json" };
      while (mayStart()) {
        await this.outstandingAtMost(maxOutstanding, deadline);
        if (!mayStart()) break;
        started++;
        const sentAt = performance.now();
        try {
          const response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          const text = await response.text();
          if (!response.ok) throw new Error(`${response.status} ${text.slice(0, 200)}`);
          this.onAnswer((JSON.parse(text) as { event_id: string }).event_id, sentAt);
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
      }
    };
    const scraping = run.scrape ? this.scrape(setup, run.scrape, deadline) : Promise.resolve(undefined);
    await Promise.all(Array.from({ length: run.concurrency }, (_, i) => loop(i)));
    const scrapes = await scraping;
    const elapsedSeconds = (performance.now() - startedAt) / 1000;
    await this.outstandingAtMost(0, performance.now() + run.drainMs);

    return {
      plays: this.answered,
      errors,
      firstError,
      elapsedSeconds,
      latencyMs: { p50: quantile(this.latencies, 0.5), p99: quantile(this.latencies, 0.99), samples: this.latencies.length },
      expectedDeliveries: this.answered * deliveriesPerPlay,
      userDeliveries: this.userDeliveries,
      monitorDeliveries: this.monitorDeliveries,
      scrapes,
    };
  }

  /** GETs `path` every `everyMs` until `deadline`, one request at a time, without a token; answers counted by status. */
  private async scrape(setup: PlaySetup, scrape: { path: string; everyMs: number }, deadline: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (let next = performance.now(); next < deadline; next += scrape.everyMs) {
      await Bun.sleep(Math.max(0, next - performance.now()));
      let status = "error";
      try {
        const response = await fetch(`${setup.baseUrl}${scrape.path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
        await response.arrayBuffer(); // read it all, as a scraper does
        status = String(response.status);
      } catch {}
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  private deliveriesPerPlay(): number {
    const setup = this.setup;
    if (!setup) return 1;
    return 1 + (setup.monitorsExpected === false ? 0 : setup.monitors);
  }

  async close(): Promise<void> {
    const streams = this.streams;
    this.streams = [];
    this.setup = undefined;
    await Promise.all(streams.map((stream) => stream.close()));
  }

  private resetCounters(): void {
    this.sentAt.clear();
    this.arrivedAt.clear();
    this.latencies = [];
    this.answered = 0;
    this.userDeliveries = 0;
    this.monitorDeliveries = 0;
  }

  private onAnswer(eventId: string, sentAt: number): void {
    this.answered++;
    const arrivedAt = this.arrivedAt.get(eventId);
    if (arrivedAt === undefined) {
      this.sentAt.set(eventId, sentAt);
      return;
    }
    this.arrivedAt.delete(eventId);
    this.latencies.push(arrivedAt - sentAt);
  }

  private onUserMessage(text: string): void {
    const message = JSON.parse(text) as { type?: string; event_id?: string };
    if (message.type !== "game_event" || message.event_id === undefined) return;
    this.userDeliveries++;
    const now = performance.now();
    const sentAt = this.sentAt.get(message.event_id);
    if (sentAt === undefined) {
      this.arrivedAt.set(message.event_id, now);
    } else {
      this.sentAt.delete(message.event_id);
      this.latencies.push(now - sentAt);
    }
    this.wakeWaiters();
  }

  private onMonitorMessage(text: string): void {
    // Monitors can be many (fan-out); a substring test keeps the client from parsing each
    // copy. After the snapshot, only a game_event holds this string.
    if (!text.includes('"game_event"')) return;
    this.monitorDeliveries++;
    this.wakeWaiters();
  }

  private outstanding(): number {
    const monitorDeliveries = this.setup?.monitorsExpected === false ? 0 : this.monitorDeliveries;
    return this.answered * this.deliveriesPerPlay() - this.userDeliveries - monitorDeliveries;
  }

  /** Resolves once at most `maxOutstanding` deliveries are awaited, or at `deadline`. */
  private outstandingAtMost(maxOutstanding: number, deadline: number): Promise<void> {
    if (this.outstanding() <= maxOutstanding) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        maxOutstanding,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, Math.max(0, deadline - performance.now()));
      this.waiters.push(waiter);
    });
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const outstanding = this.outstanding();
    this.waiters = this.waiters.filter((waiter) => {
      const isSatisfied = outstanding <= waiter.maxOutstanding;
      if (isSatisfied) waiter.wake();
      return !isSatisfied;
    });
  }
}
