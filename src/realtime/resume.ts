/**
 * `?since=<event_id>`: replay the user's missed events from the database, then hand over to
 * live delivery with none missing and none repeated.
 */
import { WsErrorCode } from '../../client/protocol/close-codes';
import { gameEventHead, messages, parseEventId } from './events';
import type { EventHistory } from './event-reader';
import { userTopic, type Hub } from './hub';
import type { SocketRegistry } from './registry';
import type { Socket } from './session';

export type ResumeDeps = { hub: Hub; history: EventHistory; registry: SocketRegistry; maxEvents: number };

const resyncRequired = (why: string) => messages.error(WsErrorCode.RESYNC_REQUIRED, `${why}: reload your state over REST (GET /api/games/history)`);

/**
 * The hub delivers each user's events in `seq` order. Until live delivery reaches the newest
 * event read from the database, the user's messages are relayed from the hub with repeats
 * dropped; then the socket subscribes to its topic, in one synchronous step after that
 * delivery (which the topic does not repeat: the socket was not subscribed when it was
 * published). A broker that delivers after the commit (Redis) therefore cannot repeat an event.
 */
export async function resume(deps: ResumeDeps, ws: Socket, since: string): Promise<void> {
  const { hub, history, registry, maxEvents } = deps;
  const session = ws.data.session;
  const topic = userTopic(session.userId);
  const position = parseEventId(since);
  if (!position || position.userId !== session.userId) {
    registry.send(ws, resyncRequired('unknown event id'));
    ws.subscribe(topic);
    return;
  }
  const pending: string[] = [];
  let relay: (message: string) => void = (message) => pending.push(message);
  session.stopWatching = hub.watch(session.userId, (message) => relay(message));
  let isRelaying = false;
  try {
    const [latest, missed] = await Promise.all([history.latestSeq(session.userId), history.since(session.userId, position.seq, maxEvents + 1)]);
    if (!session.isOpen) return;
    const isUnknown = position.seq > latest;
    const isTooOld = missed.length > maxEvents;
    const isResync = isUnknown || isTooOld;
    if (isResync) registry.send(ws, resyncRequired(isUnknown ? 'unknown event id' : 'too many missed events to replay'));
    // After a resync the client reloads over REST, which holds everything read here.
    let lastSent = isResync ? latest : position.seq;
    if (!isResync) {
      for (const event of missed) {
        if (!registry.send(ws, event.payload)) return;
        lastSent = event.seq;
      }
    }
    const newestSent = lastSent;
    let isCaughtUp = false;
    const goLive = () => {
      session.stopWatching?.();
      session.stopWatching = undefined;
      if (session.isOpen) ws.subscribe(topic);
    };
    relay = (message) => {
      const head = gameEventHead(message);
      if (head) {
        if (head.seq >= newestSent && !isCaughtUp) {
          isCaughtUp = true;
          queueMicrotask(goLive);
        }
        if (head.seq <= lastSent) return;
        lastSent = head.seq;
      }
      registry.send(ws, message);
    };
    isRelaying = true;
    for (const message of pending) relay(message);
  } finally {
    if (!isRelaying) {
      session.stopWatching?.();
      session.stopWatching = undefined;
    }
  }
}
