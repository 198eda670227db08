/**
 * `?since=<cursor>` on the monitor stream: the `monitor_snapshot`'s `recent_events` are every
 * event committed after the cursor (through the monitor's filter), read from the database in
 * cursor order, the order every instance's feed uses; then live ones, none missed or repeated,
 * however far past RECENT_EVENTS. More than `maxEvents` after it (or a cursor the database has
 * not reached) closes the socket RESUME_OUT_OF_RANGE: the client reloads over REST
 * (`GET /api/admin/events`) and reconnects without `since`.
 *
 * While the database is read, the hub's feed is watched; its events are relayed with repeats
 * dropped by cursor until the feed here has passed the newest event read, and then the socket
 * subscribes to its topics in one synchronous step, as the user stream's resume does (resume.ts).
 */
import { CloseCode } from '../../client/protocol/close-codes';
import { cursorOf, messages } from './events';
import type { EventHistory } from './event-reader';
import type { Hub } from './hub';
import { passes } from './monitor-feed';
import type { SocketRegistry } from './registry';
import type { Socket } from './session';

export type MonitorResumeDeps = { hub: Hub; history: EventHistory; registry: SocketRegistry; maxEvents: number };

/** A cursor as `?since=` carries it, or undefined when it is not one. */
export function parseCursor(raw: string): number | undefined {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

/** Replays what the monitor missed after `since`, then hands it to `goLive` (its topics), subscribed in step. */
export async function resumeMonitor(deps: MonitorResumeDeps, ws: Socket, since: number, goLive: () => void): Promise<void> {
  const { hub, history, registry, maxEvents } = deps;
  const session = ws.data.session;
  const filter = session.filter;
  const isShown = (message: string) => !filter || passes(filter, JSON.parse(message));
  const pending: string[] = [];
  let relay: (message: string) => void = (message) => pending.push(message);
  session.stopWatching = hub.watchFeed((message) => relay(message));
  let isRelaying = false;
  try {
    const [latest, missed] = await Promise.all([history.latestCursor(), history.byCursor(since, Number.MAX_SAFE_INTEGER, maxEvents + 1)]);
    if (!session.isOpen) return;
    const isUnknown = since > latest;
    if (isUnknown || missed.length > maxEvents) {
      ws.close(CloseCode.RESUME_OUT_OF_RANGE, isUnknown ? 'unknown cursor: reload, then reconnect without since' : `more than ${maxEvents} events to replay: reload, then reconnect without since`);
      return;
    }
    const newest = missed.at(-1)?.cursor ?? since;
    let lastSent = newest;
    if (!registry.send(ws, messages.monitorSnapshot(hub.presence.connectedUserIds(), missed.map((event) => event.payload).filter(isShown)))) return;
    let isLive = false;
    const subscribe = () => {
      session.stopWatching?.();
      session.stopWatching = undefined;
      if (session.isOpen) goLive();
    };
    relay = (message) => {
      const cursor = cursorOf(message);
      // The feed here has passed the newest event read: what comes after goes through the topics.
      if (cursor !== undefined && cursor >= newest && !isLive) {
        isLive = true;
        queueMicrotask(subscribe);
      }
      if (cursor !== undefined) {
        if (cursor <= lastSent) return;
        lastSent = cursor;
      }
      if (isShown(message)) registry.send(ws, message);
    };
    isRelaying = true;
    for (const message of pending) relay(message);
    // Already past it here (the usual case): subscribe now, in this same synchronous step.
    if (!isLive && (hub.feedPosition ?? 0) >= newest) {
      isLive = true;
      subscribe();
    }
  } finally {
    if (!isRelaying) {
      session.stopWatching?.();
      session.stopWatching = undefined;
    }
  }
}
