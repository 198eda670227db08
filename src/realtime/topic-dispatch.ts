/**
 * A broker message typed by its topic, read once for every backend (memory.ts, redis.ts): a
 * user's publication with its lines, a presence change (read defensively), a control message.
 * A topic this version never publishes on (another release's, or a bug's) reaches no method:
 * it is counted as dropped, as is a presence message that cannot be read.
 */
import type { BrokerHandler, InboundKind, PresenceChange } from './broker/broker';
import { CONTROL_TOPIC, PRESENCE_TOPIC, userOfTopic } from './topics';

/** Hands `message` on `topic` to the handler's method for it (this instance's own publishes too). */
export function dispatch(handler: BrokerHandler, topic: string, message: string): void {
  const userId = userOfTopic(topic);
  if (kindOf(topic, userId) === undefined) handler.onDropped?.('unknown_topic');
  else handOn(handler, topic, userId, message);
}

/**
 * A message another instance sent, its frame already authenticated: counted, then handed on.
 * What another process wrote must never throw out of here (ioredis rethrows a listener's
 * exception on the next tick, which ends the process): a throw is a malformed message.
 */
export function dispatchReceived(handler: BrokerHandler, topic: string, message: string): void {
  const userId = userOfTopic(topic);
  const kind = kindOf(topic, userId);
  if (kind === undefined) {
    handler.onDropped?.('unknown_topic');
    return;
  }
  handler.onReceived?.(kind);
  try {
    handOn(handler, topic, userId, message);
  } catch (error) {
    handler.onDropped?.('malformed', error);
  }
}

/** What `topic` carries (its user, read once by the caller), or undefined for a topic this version does not know. */
function kindOf(topic: string, userId: number | undefined): InboundKind | undefined {
  if (userId !== undefined) return 'user';
  if (topic === PRESENCE_TOPIC) return 'presence';
  return topic === CONTROL_TOPIC ? 'control' : undefined;
}

/** Hands on a message of a known topic (kindOf) to the handler's method for it. */
function handOn(handler: BrokerHandler, topic: string, userId: number | undefined, message: string): void {
  if (userId !== undefined) handler.onPublication(userId, message.includes('\n') ? message.split('\n') : [message]);
  else if (topic === PRESENCE_TOPIC) handOnPresence(handler, message);
  else handler.onControl(message);
}

function handOnPresence(handler: BrokerHandler, message: string): void {
  const change = presenceChangeOf(message);
  if (change) handler.onPresence(change);
  else handler.onDropped?.('malformed');
}

/** The change a `presence` message (events.ts `messages.presence`) tells, or undefined when it tells none. */
export function presenceChangeOf(message: string): PresenceChange | undefined {
  let value: { user_id?: unknown; status?: unknown };
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  const userId = value?.user_id;
  const status = value?.status;
  const isChange = Number.isSafeInteger(userId) && (userId as number) >= 1 && (status === 'join' || status === 'leave');
  return isChange ? { userId: userId as number, status, message } : undefined;
}
