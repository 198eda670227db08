/**
 * The hub's way out. Every publish goes to the broker from here, and none is dropped in silence.
 * A publish the broker refuses (Redis away) is reported; if it carried game_events they are kept
 * and published again once the broker is back, so the other instances still get them (their
 * sequencers would also read them from the database, but only at the user's next event). Only
 * game_events: a balance_update sent late could show an older balance after a newer one. Once
 * the broker is back from an outage, `OutageCatchUp` (below) publishes those again and reads
 * what the other instances committed meanwhile.
 */
import type { Broker } from './broker/broker';
import type { BalanceReader } from './balance-reader';
import type { DeliveryReport } from './delivery-report';
import type { StoredEvents } from './event-reader';
import { gameEventHead } from './events';
import type { Inbound } from './inbound';
import type { Interest } from './interest';
import type { LocalDelivery } from './local-delivery';
import { PRESENCE_TOPIC, userTopic } from './topics';

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
    private readonly report: Pick<DeliveryReport, 'failed'>,
    private readonly now: () => number,
  ) {}

  /** A message for the user's sockets on every instance (a play is its two lines, one message). */
  publishToUser(userId: number, message: string): void {
    this.publish(userTopic(userId), message);
  }

  publishPresence(message: string): void {
    this.publish(PRESENCE_TOPIC, message);
  }

  private publish(topic: string, message: string): void {
    this.broker.publish(topic, message).catch((error) => {
      this.report.failed('publish', error);
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
    this.failingSince ??= this.now();
    this.retries.push([topic, events.join('\n')]);
    if (this.retries.length > MAX_RETRIES) this.retries.splice(0, this.retries.length - MAX_RETRIES);
    this.timer ??= setInterval(() => this.broker.connected && this.retryNow(), RETRY_INTERVAL_MS);
    this.timer.unref?.();
  }
}

/** How far before a broker outage was noticed the catch-up reads, for messages in flight then. */
const CATCH_UP_SLACK_MS = 5_000;
/** How soon a failed catch-up is tried again. */
const CATCH_UP_RETRY_MS = 1_000;
/** Most events read back after a broker outage; past it, per-user gap filling takes over. */
const CATCH_UP_MAX_EVENTS = 50_000;

/**
 * After a broker outage: publish again what failed, then deliver what the other instances
 * committed meanwhile, read from the database (the sequencer drops what already arrived and
 * keeps each user's order), and send each user with a socket here their balance as it stands:
 * the balance_updates published meanwhile are not sent again (an old one arriving late could
 * show an older balance).
 */
export class OutageCatchUp {
  /** When the broker was last seen to go away (undefined while connected). */
  private disconnectedAt: number | undefined;
  /** A catch-up that failed, tried again (nothing else would before the next outage). */
  private timer: Timer | undefined;
  private isRunning = false;

  constructor(
    private readonly parts: {
      broker: Broker;
      outbound: Outbound;
      inbound: Inbound;
      interest: Interest;
      local: LocalDelivery;
      history?: Pick<StoredEvents, 'createdSince'>;
      balances?: Pick<BalanceReader, 'current'>;
      report: Pick<DeliveryReport, 'failed'>;
      now: () => number;
    },
  ) {}

  /** The hub is delivering: connections lost while start-up waited for the broker were no outage. */
  started(): void {
    this.isRunning = true;
    this.disconnectedAt = undefined;
  }

  stop(): void {
    this.isRunning = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The broker went away (once per outage). */
  disconnected(): void {
    this.disconnectedAt ??= this.parts.now();
  }

  /** Runs `recover()` with an owner for its failure: nothing it meets may end the process. */
  recoverOwned(): void {
    this.recover().catch((error) => this.parts.report.failed('catch_up', error));
  }

  async recover(): Promise<void> {
    const { outbound, history, inbound, now } = this.parts;
    const since = Math.min(this.disconnectedAt ?? Infinity, outbound.failingSince ?? Infinity, now()) - CATCH_UP_SLACK_MS;
    this.disconnectedAt = undefined;
    clearTimeout(this.timer); // this run replaces a retry still waiting
    outbound.retryNow();
    if (!history) return;
    try {
      for (const event of await history.createdSince(since, CATCH_UP_MAX_EVENTS)) inbound.acceptEvent(event.userId, event.seq, event.payload);
      await this.sendBalances();
    } catch (error) {
      this.parts.report.failed('catch_up', error);
      this.disconnectedAt ??= since + CATCH_UP_SLACK_MS;
      // Tried again shortly while the broker is up; if it is down, its reconnect recovers.
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.isRunning && this.parts.broker.connected) this.recoverOwned();
      }, CATCH_UP_RETRY_MS);
      this.timer.unref?.();
    }
  }

  /** Every user with a socket here gets their balance as it stands now. */
  private async sendBalances(): Promise<void> {
    const { balances, interest, local } = this.parts;
    if (!balances) return;
    for (const userId of interest.followedUsers()) {
      const current = await balances.current(userId);
      if (current !== undefined && interest.wants(userId)) local.toUser(userId, current.message);
    }
  }
}
