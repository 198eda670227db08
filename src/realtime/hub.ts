/**
 * The hub: delivery between the broker and this instance's sockets, built from its parts and
 * handed to the broker as its one handler. Publishing goes through the broker (outbound.ts);
 * the ring buffer and the local `server.publish` happen only where the broker delivers
 * (inbound.ts -> sequencer.ts / feed-order.ts -> local-delivery.ts), so with one instance or
 * many the same code runs. Each user's events leave in `seq` order for the user's sockets, and
 * every user's in cursor order for the monitors. On the broker, everything about a user travels
 * on their topic `user:<id>` (a play is one message: its game_event and balance_update, one
 * line each), and an instance takes only the topics its sockets need (interest.ts); control
 * messages (control.ts) reach every one.
 */
import type { Broker, BrokerHandler, InboundKind, PresenceChange } from './broker/broker';
import type { BalanceReader } from './balance-reader';
import { silentReport, type DeliveryReport } from './delivery-report';
import type { StoredEvents } from './event-reader';
import { FeedOrder } from './feed-order';
import { Inbound, type Following } from './inbound';
import { Interest } from './interest';
import { LocalDelivery, type TopicPublisher } from './local-delivery';
import type { MonitorFeed } from './monitor-feed';
import { OutageCatchUp, Outbound } from './outbound';
import { PresenceTracker, type ClusterPresence } from './presence/online-users';
import { Sequencer } from './sequencer';
import { CONTROL_TOPIC } from './topics';

export { MONITOR_TOPIC } from './monitor-feed';
export { PRESENCE_TOPIC, userTopic } from './topics';
export type { Following } from './inbound';
export type { TopicPublisher } from './local-delivery';

export type HubOptions = {
  /** Cluster presence; without it, this instance's sockets are the whole story. */
  presence?: ClusterPresence;
  /** How long a user whose last socket closed is still shown online: a reconnect within it makes no presence messages. */
  presenceGraceMs?: number;
  recentEvents: number;
  /** The stored events: gaps filled, outages and subscriptions caught up, the feed started from them. */
  history?: StoredEvents;
  /** The users' balances now: sent to each user with a socket here after a broker outage. */
  balances?: Pick<BalanceReader, 'current'>;
  /**
   * Other instances share the broker (realtime/backends.ts): a user's first event here may wait
   * for an earlier one still on its way, and a user's topic being taken may miss events.
   */
  sharedBackends?: boolean;
  /** Takes the cluster's control messages (control.ts), this instance's own included. */
  control?: { receive(message: string): void };
  /** Failures, drops and receipts: counted and logged by the caller. */
  report?: DeliveryReport;
  now?: () => number;
};

export class Hub implements BrokerHandler {
  /** Who is online: this instance's sockets, the cluster's presence, the mirror the monitors see. */
  readonly presence: PresenceTracker;
  /** The monitors' filter topics (monitor-feed.ts). */
  readonly monitors: MonitorFeed;
  private readonly local: LocalDelivery;
  private readonly interest: Interest;
  private readonly sequencer: Sequencer;
  /** Every user's events for the monitors, in cursor order (the same on every instance). */
  private readonly feed: FeedOrder;
  private readonly inbound: Inbound;
  /** The way out: what this instance publishes to every instance (a play's publisher holds it, play-publisher.ts). */
  readonly outbound: Outbound;
  private readonly catchUp: OutageCatchUp;
  private readonly report: DeliveryReport;

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions,
  ) {
    const now = options.now ?? Date.now;
    const { history, sharedBackends = false } = options;
    const report = (this.report = options.report ?? silentReport);
    const interest = (this.interest = new Interest(broker, now));
    const local = (this.local = new LocalDelivery(options.recentEvents, interest));
    this.monitors = local.monitors;
    this.feed = new FeedOrder(local, history, report);
    // Only with other instances can a user's earlier event still be on its way.
    this.sequencer = new Sequencer(local, history, report, sharedBackends ? interest : undefined);
    this.outbound = new Outbound(broker, report, now);
    this.presence = new PresenceTracker({ presence: options.presence, outbound: this.outbound, monitors: local, report, leaveGraceMs: options.presenceGraceMs, now });
    this.inbound = new Inbound({ interest, sequencer: this.sequencer, feed: this.feed, local, presence: this.presence, history, isShared: sharedBackends, report });
    this.catchUp = new OutageCatchUp({ broker, outbound: this.outbound, inbound: this.inbound, interest, local, history, balances: options.balances, report, now });
  }

  /** The broker backend's name ("memory", "redis"), for logs. */
  get brokerName(): string {
    return this.broker.name;
  }

  /** Starts taking deliveries from the broker and sending them to Bun's topics (bun-topics.ts). */
  async start(topics: TopicPublisher): Promise<void> {
    this.local.attach(topics);
    this.interest.begin();
    const { history } = this.options;
    // Without it (the database away), the feed starts at the first event that arrives.
    if (history) await history.latestCursor().then((cursor) => this.feed.startAt(cursor), (error) => this.report.failed('feed', error));
    await this.broker.start(this);
    // Every instance takes the control messages (a disconnect, a block) whatever its sockets.
    await this.broker.subscribe?.(CONTROL_TOPIC);
    this.catchUp.started();
  }

  async stop(): Promise<void> {
    this.outbound.stop();
    this.catchUp.stop();
    this.feed.stop();
    this.presence.stop();
    await this.broker.stop();
    this.local.detach();
  }

  /** False while the broker cannot reach the other instances: local delivery goes on, the rest is delayed. */
  get isConnected(): boolean {
    return this.broker.connected;
  }

  // The broker's handler: what it delivers goes down the inbound path.

  onPublication(userId: number, lines: readonly string[]): void {
    this.inbound.publication(userId, lines);
  }

  onPresence(change: PresenceChange): void {
    this.presence.take(change);
  }

  onControl(message: string): void {
    this.options.control?.receive(message);
  }

  onDisconnect(): void {
    this.catchUp.disconnected();
  }

  onReconnect(): void {
    this.catchUp.recoverOwned();
    this.presence.refreshUntilDone();
  }

  onDropped(reason: string, error?: unknown): void {
    this.report.dropped(reason, error);
  }

  onReceived(kind: InboundKind): void {
    this.report.received(kind);
  }

  /** After a broker outage: what failed is published again, what others committed meanwhile is read (outbound.ts). */
  recover(): Promise<void> {
    return this.catchUp.recover();
  }

  /** Refills the recent events (serialized game_events, oldest first), e.g. from the database. */
  seedRecent(events: readonly string[]): void {
    this.local.seedRecent(events);
  }

  publishToUser(userId: number, message: string): void {
    this.outbound.publishToUser(userId, message);
  }

  /** A user socket opened here (inbound.ts): their topic is taken while any of their sockets is here. */
  follow(userId: number): void {
    this.inbound.follow(userId);
  }

  /** A user socket closed here: pairs with one `follow`. */
  unfollow(userId: number): void {
    this.inbound.unfollow(userId);
  }

  /** A monitor opened here (inbound.ts): every user's events and presence are taken while one is here. */
  followFeed(): Following {
    return this.inbound.followFeed();
  }

  /** Serialized game_events, oldest first. */
  recentEvents(): string[] {
    return this.local.recent.latest();
  }

  /** The cursor of the newest event the monitors' feed passed on here. */
  get feedPosition(): number | undefined {
    return this.feed.position;
  }

  /**
   * Hands `listener` every game_event of the monitors' feed, in its order, until the returned
   * function is called: a resuming monitor reads history meanwhile, before it subscribes.
   */
  watchFeed(listener: (message: string) => void): () => void {
    return this.local.watchFeed(listener);
  }

  /**
   * Hands `listener` every message for `userId` until the returned function is called. Used
   * while a resuming socket reads history, before it subscribes to its topic.
   */
  watch(userId: number, listener: (message: string) => void): () => void {
    return this.local.watch(userId, listener);
  }
}
