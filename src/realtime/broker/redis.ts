/**
 * The Redis backend of the broker seam. Each topic is a channel of its own, `<channel>:<topic>`
 * (`game-events:user:7`, `game-events:presence`), carrying authenticated frames (frame.ts), and
 * an instance subscribes only to what its sockets need (interest.ts decides): a user's channel while
 * it holds a socket of theirs, the pattern `game-events:user:*` (every user) while it holds a
 * monitor, as centrifuge subscribes a node to a channel with its first subscriber and drops it
 * after the last (the subscriber's side: redis-subscriptions.ts). What arrives is opened and
 * checked (frame.ts), then typed by its topic and handed to the hub (topic-dispatch.ts).
 *
 * An instance hands its own messages to its hub synchronously inside `publish()` and drops its
 * own echo by instance id, so local delivery never waits on the network (socket.io's cluster
 * adapter: `if (uid === this.uid) return`). One publisher connection keeps each instance's
 * messages in publish order, across all its channels (the frame counter relies on it).
 *
 * The client is ioredis, chosen over Bun's RedisClient by bench/redis/resubscribe.ts (Redis 7
 * killed and restarted on the same port after 0.2, 5 and 60 s; Bun 1.4.5, ioredis 6.0.0):
 * - Bun's client does not restore subscriptions: subscribing again in `onconnect` with the
 *   same listener delivers every message twice (unsubscribing everything first works, ≈ 150 ms
 *   after Redis is back). It does not run `onclose` while it reconnects, so an outage goes
 *   unnoticed: `onclose` came 31 s after the kill, when it gave up after `maxRetries` (20),
 *   and after the 60 s outage it never received again.
 * - ioredis emits `close` within 1 ms of the kill, reconnects for as long as it takes and
 *   restores subscriptions: it received again 74 ms, 2.1 s and 3.4 s after Redis was back
 *   with its default back-off, 71–125 ms with retries 100 ms apart; each message once.
 * - With the offline queue off both reject a publish at once while Redis is down (no promise
 *   held for the length of the outage, no burst of stale messages afterwards).
 * Knowing about the outage at once, and coming back from a long one, decide it for the subscriber.
 *
 * The publisher is Bun's RedisClient: per PUBLISH it costs 0.29x ioredis's CPU in bursts of 16
 * (0.58x against ioredis auto-pipelined), because ioredis writes through `node:net`
 * (bench/cluster/publish-clients.ts). Its two faults above do not reach the publisher: it holds
 * no subscription, and the outage is noticed by the subscriber's `close` (and its own, when it
 * gives up). It retries a few times by itself (`onconnect` then ends the outage); once it has
 * given up, it is connected again every MAX_RECONNECT_DELAY_MS, as ioredis retries.
 */
import { RedisClient } from 'bun';
import Redis from 'ioredis';
import type { Broker, BrokerHandler } from './broker';
import { FrameCodec } from './frame';
import { RedisSubscriptions } from './redis-subscriptions';
import { dispatch, dispatchReceived } from '../topic-dispatch';

export type RedisBrokerOptions = {
  /** Publishes frames; made with `enableOfflineQueue: false` so publishes reject while down. */
  publisher: RedisClient;
  /** A connection of its own: a subscribed connection refuses other commands. */
  subscriber: Redis;
  /** The prefix of every channel: `<channel>:<topic>`. */
  channel: string;
  /** Unique per process: an instance drops frames carrying its own id. */
  instanceId: string;
  /** The cluster's frame key (frame.ts `frameKey`): frames without its MAC are dropped. */
  frameKey: Buffer;
};

/** Reconnect attempts back off to at most this: an outage's end is noticed within it. */
const MAX_RECONNECT_DELAY_MS = 500;
/** ioredis `retryStrategy` for every connection to the shared Redis (broker, presence, /ready). */
export const reconnectDelay = (attempt: number) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS);

/**
 * What every connection to the shared Redis is made with. `maxRetriesPerRequest: 0`: a command
 * already sent when the connection drops fails at once. ioredis's default (20) holds it over 20
 * reconnects to send it again (measured: a presence sweep in flight as Redis died held a
 * draining instance 8.3 s, past its drain of 1 s), and, as its source reads, for ever if the
 * client is disconnected while reconnecting (that path flushes nothing). Every caller here
 * already owns a failure (retried, counted, or healed on reconnect), as with the offline queue off.
 */
export const connectionOptions = { lazyConnect: true, retryStrategy: reconnectDelay, maxRetriesPerRequest: 0 } as const;

export class RedisBroker implements Broker {
  readonly name = 'redis';
  private readonly publisher: RedisClient;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly codec: FrameCodec;
  private handler: BrokerHandler | undefined;
  private subscribed = false;
  /** What this instance takes: the subscriber's channels and patterns (redis-subscriptions.ts). */
  private readonly subscriptions: RedisSubscriptions;
  /** Between `onDisconnect` and `onReconnect`. */
  private down = false;
  private stopped = true;
  /** The next attempt to connect a publisher that gave up. */
  private publisherRetry: Timer | undefined;
  /** The clients' listeners are on (from the first `start()` until `stop()`). */
  private isListening = false;

  constructor(options: RedisBrokerOptions) {
    this.publisher = options.publisher;
    this.subscriber = options.subscriber;
    this.channel = options.channel;
    this.codec = new FrameCodec(options.frameKey, options.instanceId);
    this.subscriptions = new RedisSubscriptions(options.subscriber, options.channel);
  }

  get connected(): boolean {
    return this.subscribed && this.publisher.connected;
  }

  async publish(topic: string, message: string): Promise<void> {
    if (this.handler) dispatch(this.handler, topic, message);
    await this.publisher.publish(`${this.channel}:${topic}`, this.codec.seal(topic, message));
  }

  subscribe(topic: string): Promise<void> {
    return this.subscriptions.add(topic);
  }

  unsubscribe(topic: string): Promise<void> {
    return this.subscriptions.remove(topic);
  }

  /** Rejects when Redis cannot be reached; may then be called again (start-up waits for Redis so). */
  async start(handler: BrokerHandler): Promise<void> {
    this.handler = handler;
    this.stopped = false;
    if (!this.isListening) {
      this.isListening = true;
      // Connection errors also arrive as `close`; without a listener ioredis prints each one.
      this.subscriber.on('error', ignore).on('close', this.lost);
      this.subscriber.on('message', this.receive).on('pmessage', this.receivePattern).on('ready', this.resubscribe);
      this.publisher.onconnect = this.recovered;
      this.publisher.onclose = this.publisherGaveUp;
    }
    await Promise.all([this.connectPublisher(), ready(this.subscriber)]);
    await this.subscriptions.restore();
    this.subscribed = true;
    // Connections lost during an attempt that failed were never an outage of a running broker.
    this.down = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.handler = undefined;
    this.subscribed = false;
    this.isListening = false;
    this.subscriber.off('message', this.receive).off('pmessage', this.receivePattern).off('ready', this.resubscribe);
    this.subscriptions.clear();
    this.publisher.onconnect = null;
    this.publisher.onclose = null;
    clearTimeout(this.publisherRetry);
    this.publisherRetry = undefined;
    this.subscriber.off('close', this.lost);
    // quit() lets what was sent finish; a client not ready (never started, Redis down) would
    // queue it or retry, so it is cut at once. The publisher's PING is answered after every
    // publish already written to its connection.
    await Promise.allSettled([
      this.subscriber.status === 'ready' ? this.subscriber.quit() : this.subscriber.disconnect(),
      this.publisher.connected ? this.publisher.send('PING', []) : undefined,
    ]);
    this.publisher.close();
    this.subscriber.off('error', ignore);
  }

  /** The publisher stopped reconnecting by itself (its few retries failed): an outage, and tries again until it connects. */
  private readonly publisherGaveUp = (): void => {
    this.lost();
    if (this.stopped || this.publisherRetry) return;
    this.publisherRetry = setTimeout(() => {
      this.publisherRetry = undefined;
      if (this.stopped) return;
      // A failed attempt ends in `onclose` again, which schedules the next.
      this.connectPublisher().catch(ignore);
    }, MAX_RECONNECT_DELAY_MS);
    this.publisherRetry.unref?.();
  };

  /** Connects the publisher if it is not (first start, or it gave up reconnecting during a long outage). */
  private async connectPublisher(): Promise<void> {
    if (this.publisher.connected) return;
    try {
      await this.publisher.connect();
    } catch (error) {
      throw new RedisNotReadyError(`the Redis publisher could not connect: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private readonly receivePattern = (_pattern: string, channel: string, text: string): void => this.receive(channel, text);

  private readonly receive = (_channel: string, text: string): void => {
    const { handler } = this;
    if (!handler) return;
    const envelope = this.codec.open(text);
    if ('dropped' in envelope) {
      if (envelope.dropped !== 'echo') handler.onDropped?.(envelope.dropped);
      return;
    }
    dispatchReceived(handler, envelope.topic, envelope.message);
  };

  /** `close` comes again on every failed reconnect attempt: one `onDisconnect` per outage. */
  private readonly lost = (): void => {
    if (this.stopped) return;
    if (this.subscriber.status !== 'ready') this.subscribed = false;
    if (this.down) return;
    this.down = true;
    this.handler?.onDisconnect?.();
  };

  /**
   * Subscribing again here, rather than leaving it to ioredis's `autoResubscribe`, tells us when
   * the subscriptions are back; it is harmless when ioredis did it too.
   */
  private readonly resubscribe = (): void => {
    if (this.stopped || this.subscribed) return;
    this.subscriptions.restore().then(
      () => {
        this.subscribed = true;
        this.recovered();
      },
      ignore, // lost again before it took: the next `ready` tries again
    );
  };

  /** The outage ends when both connections are back and the subscription restored. */
  private readonly recovered = (): void => {
    if (this.stopped || !this.down || !this.connected) return;
    this.down = false;
    this.handler?.onReconnect?.();
  };
}

function ignore(): void {}


/** A connection attempt that ended before the client could take commands. */
export class RedisNotReadyError extends Error {
  override name = 'RedisNotReadyError';
}

/**
 * Resolves when the client can take commands; a lazy client is connected here. Any command (a
 * /ready probe's ping during start-up) starts a lazy client connecting, so a caller may find it
 * already `connecting` or `reconnecting`: it then waits for that attempt rather than writing
 * into a stream that is not writeable yet, and rejects when the attempt fails (the connection
 * closes), so that a caller waiting for Redis can say so and try again.
 */
export async function ready(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') return client.connect();
  if (client.status === 'end') throw new RedisNotReadyError('the Redis connection was closed');
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      client.off('ready', onReady).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () => settle(new RedisNotReadyError('the Redis connection closed before it was ready'));
    client.on('ready', onReady).on('close', onClose);
  });
}

/**
 * Reconnect attempts of the publisher before it gives up and says so (`onclose`): about 350 ms
 * of them (seen: Bun 1.4.5). A first `connect()` retries as long before it fails, so a start-up
 * with Redis away fails about as soon as with ioredis.
 */
const PUBLISHER_MAX_RETRIES = 3;

/** Socket errors of a connection that could not be made or was lost. */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Bun's RedisClient's codes for the same (the publisher). */
const BUN_CONNECTION_CODES = new Set(['ERR_REDIS_CONNECTION_CLOSED', 'ERR_REDIS_CONNECTION_TIMEOUT']);
/** ioredis's own messages for a command refused or failed because the connection is not there. */
const CONNECTION_MESSAGES = ["Stream isn't writeable and enableOfflineQueue options is false", 'Connection is closed.'];
/** Replies of a Redis that is there but not serving yet (loading its data, busy with a script). */
const NOT_SERVING_YET = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN) /;

/**
 * Tells a Redis that cannot be reached (down, restarting, connection lost) from every other
 * failure (a refused password, a script error, a bug), which waiting will not fix.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof RedisNotReadyError || error.name === 'MaxRetriesPerRequestError') return true;
  if (CONNECTION_MESSAGES.includes(error.message) || NOT_SERVING_YET.test(error.message)) return true;
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || BUN_CONNECTION_CODES.has(code));
}

/**
 * The clients `createBroker` makes for a REDIS_URL. Lazy, so an unreachable Redis fails
 * `start()` (and the server's start-up) instead of retrying in the background unseen.
 */
export function redisBrokerFromUrl(url: string, instanceId: string, frameKey: Buffer, channel = 'game-events'): RedisBroker {
  return new RedisBroker({
    frameKey,
    // Auto-pipelined (its default): the publishes of one tick (a group-commit batch) go out in one write.
    publisher: new RedisClient(url, { enableOfflineQueue: false, maxRetries: PUBLISHER_MAX_RETRIES }),
    subscriber: new Redis(url, connectionOptions),
    channel,
    instanceId,
  });
}
