/**
 * A broker message typed by its topic, read once for every backend (memory.ts, redis.ts): a
 * user's publication with its lines, a presence change, a control message. A topic this version
 * never publishes on (another release's, or a bug's) reaches no method: it is counted as dropped.
 */
import type { BrokerHandler, InboundKind } from './broker/broker';
import { CONTROL_TOPIC, PRESENCE_TOPIC, userOfTopic } from './topics';

/** What `topic` carries, or undefined for a topic this version does not know. */
function kindOf(topic: string): { kind: InboundKind; userId?: number } | undefined {
  if (topic === PRESENCE_TOPIC) return { kind: 'presence' };
  if (topic === CONTROL_TOPIC) return { kind: 'control' };
  const userId = userOfTopic(topic);
  return userId === undefined ? undefined : { kind: 'user', userId };
}

/** Hands `message` on `topic` to the handler's method for it (this instance's own publishes too). */
export function dispatch(handler: BrokerHandler, topic: string, message: string): void {
  const read = kindOf(topic);
  if (read) handOn(handler, read, message);
  else handler.onDropped?.('unknown_topic');
}

/**
 * A message another instance sent, its frame already authenticated: counted, then handed on.
 * What another process wrote must never throw out of here (ioredis rethrows a listener's
 * exception on the next tick, which ends the process): a throw is a malformed message.
 */
export function dispatchReceived(handler: BrokerHandler, topic: string, message: string): void {
  const read = kindOf(topic);
  if (!read) {
    handler.onDropped?.('unknown_topic');
    return;
  }
  handler.onReceived?.(read.kind);
  try {
    handOn(handler, read, message);
  } catch (error) {
    handler.onDropped?.('malformed', error);
  }
}

function handOn(handler: BrokerHandler, read: { kind: InboundKind; userId?: number }, message: string): void {
  if (read.kind === 'user') handler.onPublication(read.userId!, message.includes('\n') ? message.split('\n') : [message]);
  else if (read.kind === 'presence') handler.onPresence(message);
  else handler.onControl(message);
}
