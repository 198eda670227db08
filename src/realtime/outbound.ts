/**
 * The hub's way out: every publish goes to the broker from here, and none is dropped in silence.
 * A publish the broker refuses (Redis away) is reported; if it carried game_events they are kept
 * and published again once the broker is back, so the other instances still get them (their
 * sequencers would also read them from the database, but only at the user's next event). Only
 * game_events: a balance_update sent late could show an older balance after a newer one.
 */
import type { Broker } from './broker/broker';
import { gameEventHead } from './events';

/** Failed event publishes kept for a retry; past this the oldest go (receivers still fill gaps from the database). */
const MAX_RETRIES = 10_000;
const RETRY_INTERVAL_MS = 1_000;

export class Outbound {
  private retries: [topic: string, message: string][] = [];
  private timer: Timer | undefined;
  /** When a publish first failed since the last retry (undefined while they all went through). */
  failingSince: number | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly options: { onError?: (error: unknown) => void; now: () => number },
  ) {}

  publish(topic: string, message: string): void {
    this.broker.publish(topic, message).catch((error) => {
      this.options.onError?.(error);
      this.keep(topic, message);
    });
  }

  /** Publishes again what failed (after the broker came back). */
  retryNow(): void {
    const due = this.retries;
    this.retries = [];
    this.failingSince = undefined;
    if (due.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    for (const [topic, message] of due) this.publish(topic, message);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private keep(topic: string, message: string): void {
    const events = message.split('\n').filter((line) => gameEventHead(line) !== undefined);
    if (events.length === 0) return;
    this.failingSince ??= this.options.now();
    this.retries.push([topic, events.join('\n')]);
    if (this.retries.length > MAX_RETRIES) this.retries.splice(0, this.retries.length - MAX_RETRIES);
    this.timer ??= setInterval(() => this.broker.connected && this.retryNow(), RETRY_INTERVAL_MS);
    this.timer.unref?.();
  }
}
