/**
 * The subscriber side of the Redis broker: which channels and patterns this instance takes.
 * Each topic is a channel `<prefix>:<topic>`; a channel a pattern already covers is not
 * subscribed as well (Redis would deliver its messages twice), and when the pattern goes, the
 * channels it covered are subscribed again before it is dropped, so nothing falls between.
 * Counted: a topic asked for twice is given up at the second `remove`.
 */
import type Redis from 'ioredis';

const isPattern = (topic: string) => topic.endsWith('*');
/** Channels per SUBSCRIBE when restoring thousands of them after a reconnect. */
const RESUBSCRIBE_CHUNK = 1000;

export class RedisSubscriptions {
  /** Topics asked for, with how many asked: channels (`user:7`) and patterns (`user:*`). */
  private readonly wanted = new Map<string, number>();
  /** Patterns whose PSUBSCRIBE has not been answered yet. */
  private readonly patternsTaking = new Map<string, Promise<void>>();

  constructor(
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {}

  /** Forgets everything wanted (the broker stopped). */
  clear(): void {
    this.wanted.clear();
  }

  /** One more asks for `topic`; resolves once its messages flow. */
  async add(topic: string): Promise<void> {
    const count = this.wanted.get(topic) ?? 0;
    this.wanted.set(topic, count + 1);
    if (count > 0) return;
    if (isPattern(topic)) {
      const taking = (async () => {
        await this.subscriber.psubscribe(this.channelOf(topic));
        // Covered now: the channels under the pattern would deliver every message twice.
        const covered = this.channelsUnder(topic);
        if (covered.length > 0) await this.subscriber.unsubscribe(...covered);
      })();
      this.patternsTaking.set(topic, taking);
      try {
        await taking;
      } finally {
        if (this.patternsTaking.get(topic) === taking) this.patternsTaking.delete(topic);
      }
    } else if (this.isCovered(topic)) {
      // Flowing once the covering pattern is: wait for it if it is still being taken.
      await Promise.all([...this.patternsTaking.values()]);
    } else {
      await this.subscriber.subscribe(this.channelOf(topic));
    }
  }

  /** One fewer asks for `topic`; the last one gives it up. */
  async remove(topic: string): Promise<void> {
    const count = this.wanted.get(topic) ?? 0;
    if (count > 1) {
      this.wanted.set(topic, count - 1);
      return;
    }
    if (count === 0) return;
    this.wanted.delete(topic);
    if (isPattern(topic)) {
      // The channels it covered first, so that their messages never stop.
      const covered = this.channelsUnder(topic).filter((channel) => !this.isCoveredByOther(channel, topic));
      if (covered.length > 0) await this.subscriber.subscribe(...covered);
      await this.subscriber.punsubscribe(this.channelOf(topic));
    } else if (!this.isCovered(topic)) {
      await this.subscriber.unsubscribe(this.channelOf(topic));
    }
  }

  private channelOf(topic: string): string {
    return `${this.prefix}:${topic}`;
  }

  private isCovered(topic: string): boolean {
    for (const wanted of this.wanted.keys()) if (isPattern(wanted) && topic.startsWith(wanted.slice(0, -1))) return true;
    return false;
  }

  private isCoveredByOther(channel: string, pattern: string): boolean {
    const topic = channel.slice(this.prefix.length + 1);
    for (const wanted of this.wanted.keys()) if (wanted !== pattern && isPattern(wanted) && topic.startsWith(wanted.slice(0, -1))) return true;
    return false;
  }

  /** The channels of wanted topics that `pattern` covers. */
  private channelsUnder(pattern: string): string[] {
    const prefix = pattern.slice(0, -1);
    return [...this.wanted.keys()].filter((topic) => !isPattern(topic) && topic.startsWith(prefix)).map((topic) => this.channelOf(topic));
  }

  /** Everything wanted, as the SUBSCRIBE and PSUBSCRIBE arguments that restore it after a reconnect. */
  private subscriptions(): { channels: string[]; patterns: string[] } {
    const topics = [...this.wanted.keys()];
    return {
      patterns: topics.filter(isPattern).map((topic) => this.channelOf(topic)),
      channels: topics.filter((topic) => !isPattern(topic) && !this.isCovered(topic)).map((topic) => this.channelOf(topic)),
    };
  }

  /** Subscribes to everything wanted (SUBSCRIBE and PSUBSCRIBE of what is already subscribed change nothing). */
  async restore(): Promise<void> {
    const { channels, patterns } = this.subscriptions();
    for (let i = 0; i < channels.length; i += RESUBSCRIBE_CHUNK) await this.subscriber.subscribe(...channels.slice(i, i + RESUBSCRIBE_CHUNK));
    if (patterns.length > 0) await this.subscriber.psubscribe(...patterns);
  }
}
