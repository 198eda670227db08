/**
 * What this instance takes from the broker: a user's topic while it holds a socket of that
 * user, every user's (`user:*`) and presence while it holds a monitor. The rest of the
 * cluster's traffic never reaches it, so an instance's inbound work follows its own sockets,
 * not the cluster's plays. With a broker that delivers everything (memory: one instance) every
 * user is always wanted and nothing is subscribed.
 *
 * It also says since when each user has been wanted without a break: the events committed
 * before that are not owed to the sockets here (they resume with `since` for those), the ones
 * after it are, including any published while the subscription was being taken; the hub reads
 * those from the database once the subscription is up.
 */
import type { Broker } from './broker/broker';
import { PRESENCE_TOPIC, userTopic } from './topics';

/** Every user's topic: what an instance holding a monitor takes. */
export const ALL_USERS = 'user:*';

export class Interest {
  /** Sockets per user here, and since when the user has been wanted. */
  private readonly users = new Map<number, { sockets: number; since: number }>();
  private feed: { monitors: number; since: number } | undefined;
  /** When this instance began delivering: events committed before it are not owed here. */
  private startedAt = 0;

  constructor(
    private readonly broker: Broker,
    private readonly now: () => number,
  ) {}

  /** The hub begins delivering now. */
  begin(): void {
    this.startedAt = this.now();
  }

  /** Where the user's stream on this instance starts (the sequencer's `StreamStarts`). */
  startOf(userId: number): number {
    return this.since(userId) ?? this.startedAt;
  }

  /** False for a broker that delivers every topic anyway. */
  get isSelective(): boolean {
    return this.broker.subscribe !== undefined;
  }

  /** The users with a socket here. */
  followedUsers(): number[] {
    return [...this.users.keys()];
  }

  /** Whether messages about this user are wanted here now. */
  wants(userId: number): boolean {
    return !this.isSelective || this.feed !== undefined || this.users.has(userId);
  }

  /** Whether presence and every user's events are wanted (a monitor is here). */
  get hasFeed(): boolean {
    return !this.isSelective || this.feed !== undefined;
  }

  /** Since when the user has been wanted without a break (undefined: not wanted, or not selective). */
  since(userId: number): number | undefined {
    const user = this.users.get(userId)?.since;
    const feed = this.feed?.since;
    if (user === undefined) return feed;
    return feed === undefined ? user : Math.min(user, feed);
  }

  /**
   * A socket of `userId` opened here. At the user's first socket, their topic is subscribed:
   * `subscribed` resolves once it flows, and `catchUpSince` says from when the hub must read
   * what was committed meanwhile (absent when the feed already brought the user's events).
   */
  follow(userId: number): { subscribed: Promise<void>; catchUpSince?: number } | undefined {
    if (!this.isSelective) return undefined;
    const user = this.users.get(userId);
    if (user) {
      user.sockets += 1;
      return undefined;
    }
    const wasWanted = this.wants(userId);
    const since = this.now();
    this.users.set(userId, { sockets: 1, since });
    const subscribed = this.broker.subscribe!(userTopic(userId));
    return wasWanted ? { subscribed } : { subscribed, catchUpSince: since };
  }

  /** A socket of `userId` closed here. At the last, the topic is given up; `unwanted` when the user is not wanted at all any more. */
  unfollow(userId: number): { unsubscribed: Promise<void>; unwanted: boolean } | undefined {
    const user = this.users.get(userId);
    if (!user) return undefined;
    if (user.sockets > 1) {
      user.sockets -= 1;
      return undefined;
    }
    this.users.delete(userId);
    return { unsubscribed: this.broker.unsubscribe!(userTopic(userId)), unwanted: !this.wants(userId) };
  }

  /** A monitor opened here; when it is the first, resolves once every user's topic and presence flow. */
  followFeed(): { since: number; subscribed: Promise<void> } | undefined {
    if (!this.isSelective) return undefined;
    if (this.feed) {
      this.feed.monitors += 1;
      return undefined;
    }
    const since = this.now();
    this.feed = { monitors: 1, since };
    return { since, subscribed: Promise.all([this.broker.subscribe!(ALL_USERS), this.broker.subscribe!(PRESENCE_TOPIC)]).then(noCatchUp) };
  }

  /** A monitor closed here; when it was the last, the feed's topics are given up. */
  unfollowFeed(): Promise<void> | undefined {
    if (!this.feed) return undefined;
    if (this.feed.monitors > 1) {
      this.feed.monitors -= 1;
      return undefined;
    }
    this.feed = undefined;
    return Promise.all([this.broker.unsubscribe!(ALL_USERS), this.broker.unsubscribe!(PRESENCE_TOPIC)]).then(noCatchUp);
  }
}

function noCatchUp(): void {}
