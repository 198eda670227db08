/**
 * The hub's way in: what the broker delivers (and what is read back from the database) goes
 * down one path, sequencer -> recent events -> Bun topics. A user's game_event goes to the
 * user's order (sequencer.ts) and, while a monitor is here, to the monitors' (feed-order.ts);
 * anything else on the user's topic (a balance_update) straight to their sockets
 * (local-delivery.ts). It also follows what the sockets here need (interest.ts) and reads what
 * a subscription being taken may have missed.
 */
import type { DeliveryReport } from './delivery-report';
import type { StoredEvents } from './event-reader';
import { cursorOf, gameEventHead } from './events';
import type { FeedOrder } from './feed-order';
import type { Interest } from './interest';
import type { LocalDelivery } from './local-delivery';
import type { PresenceTracker } from './presence/online-users';
import type { Sequencer } from './sequencer';

/** What a monitor holds on the hub's interest in the feed; let go when the monitor closes. */
export type Following = { release(): void; ready?: Promise<void> };

export type InboundParts = {
  interest: Interest;
  sequencer: Sequencer;
  feed: FeedOrder;
  local: LocalDelivery;
  presence: PresenceTracker;
  history?: Pick<StoredEvents, 'between' | 'lastSeqBefore' | 'latestCursor' | 'recent'>;
  /** Other instances share the broker: a subscription being taken may miss what they publish. */
  isShared: boolean;
  report: Pick<DeliveryReport, 'failed' | 'dropped'>;
};

export class Inbound {
  /** Set while the first monitor's feed is being taken: later monitors wait for the same. */
  private feedReady: Promise<void> | undefined;

  constructor(private readonly parts: InboundParts) {}

  /** A message on a user's topic, one message a line. */
  publication(userId: number, lines: readonly string[]): void {
    if (!this.parts.interest.wants(userId)) return;
    for (const line of lines) this.line(userId, line);
  }

  private line(userId: number, message: string): void {
    const head = gameEventHead(message);
    if (!head) {
      this.parts.local.toUser(userId, message);
      return;
    }
    // An event of another user on this user's topic was never published by an instance.
    if (head.userId === userId) this.acceptEvent(userId, head.seq, message);
    else this.parts.report.dropped('unknown_topic');
  }

  /** A game_event, delivered or read from the database: to its user's order, and to the monitors' while a monitor is here. */
  acceptEvent(userId: number, seq: number, message: string): void {
    const { interest, sequencer, feed } = this.parts;
    if (interest.wants(userId)) sequencer.accept(userId, seq, message);
    if (!interest.hasFeed) return;
    const cursor = cursorOf(message);
    if (cursor !== undefined) feed.accept(cursor, message);
  }

  /**
   * A user socket opened here: the user's topic is taken while any of their sockets is here
   * (interest.ts counts them), and what was committed while it was being taken is read from
   * the database. Each socket's `unfollow` pairs with one `follow`: nothing is kept per socket.
   */
  follow(userId: number): void {
    const began = this.parts.interest.follow(userId);
    if (!began) return;
    const { catchUpSince } = began;
    began.subscribed.then(() => (catchUpSince === undefined ? undefined : this.catchUpUser(userId, catchUpSince))).catch((error) => this.parts.report.failed('subscribe', error));
  }

  /** A user socket closed here (once per `follow`). */
  unfollow(userId: number): void {
    const ended = this.parts.interest.unfollow(userId);
    if (!ended) return;
    if (ended.unwanted) this.parts.sequencer.forget(userId);
    ended.unsubscribed.catch((error) => this.parts.report.failed('subscribe', error));
  }

  /**
   * A monitor opened here: every user's events and presence are taken while a monitor is here.
   * For the first, `ready` resolves once they flow, what was committed meanwhile has been read,
   * the recent events come from the database and who is online from the cluster presence: only
   * then is its snapshot whole.
   */
  followFeed(): Following {
    const began = this.parts.interest.followFeed();
    if (began) {
      const ready = (this.feedReady = began.subscribed.then(() => this.catchUpFeed()));
      ready.finally(() => this.feedReady === ready && (this.feedReady = undefined)).catch(() => {});
    }
    return { release: once(() => this.unfollowFeed()), ready: this.feedReady };
  }

  private unfollowFeed(): void {
    const { interest, sequencer, feed, presence, report } = this.parts;
    const ended = interest.unfollowFeed();
    if (!ended) return;
    sequencer.forgetWhere((userId) => !interest.wants(userId));
    // Its next monitor starts the feed afresh (catchUpFeed), not from where this one stopped.
    feed.restart();
    presence.forgetOnline();
    ended.catch((error) => report.failed('subscribe', error));
  }

  /** A user's events committed since their topic was asked for (events the subscription may have missed). */
  private async catchUpUser(userId: number, since: number): Promise<void> {
    const { history, isShared, interest } = this.parts;
    if (!history || !isShared) return;
    const from = await history.lastSeqBefore(userId, Number.MAX_SAFE_INTEGER, since);
    const rows = await history.between(userId, from, Number.MAX_SAFE_INTEGER);
    // Let go of, and perhaps taken again, meanwhile: the stream started afresh and owes none of these.
    if (interest.since(userId) !== since) return;
    for (const row of rows) this.acceptEvent(userId, row.seq, row.payload);
  }

  /**
   * The feed starts at the newest cursor committed once every user's topic flows (what came
   * before is in the database: the recent events are read from it, and a monitor resumes from
   * it with `since`); held events past it are passed on.
   */
  private async catchUpFeed(): Promise<void> {
    const { history, feed, local, presence } = this.parts;
    if (history) {
      feed.startAt(await history.latestCursor());
      local.seedRecent(await history.recent(local.recent.capacity));
    }
    await presence.refresh();
  }
}

function once(action: () => void): () => void {
  let isDone = false;
  return () => {
    if (isDone) return;
    isDone = true;
    action();
  };
}
