/**
 * A user socket's start: with `?since=<event_id>`, replay the user's missed events from the
 * database; then the user's current balance (balance-reader.ts), since balance_updates are
 * never replayed; then hand over to live delivery with none missing, none repeated, and no
 * balance_update older than the balance sent.
 */
import { NOT_NOW, type BalanceReader, type CurrentBalance } from './balance-reader';
import { WsErrorCode } from '../../client/protocol/close-codes';
import { balanceUpdateSeq, gameEventHead, messages, parseEventId } from './events';
import type { EventHistory } from './event-reader';
import { userTopic, type Hub } from './hub';
import type { SocketRegistry } from './registry';
import type { ResumeBudget } from './resume-budget';
import type { Socket } from './session';

export type ResumeDeps = {
  hub: Hub;
  history: EventHistory;
  balances: BalanceReader;
  registry: SocketRegistry;
  maxEvents: number;
  budget: ResumeBudget;
};

/**
 * How a socket's start ended, for the route to act on: `over_budget`, nothing was replayed
 * (the route closes it 4005); `{ balanceError }`, a fresh socket went live without its balance
 * (a resume rejects instead); `closed`, the socket went meanwhile.
 */
export type ResumeOutcome = 'live' | 'over_budget' | 'closed' | { balanceError: unknown };

const resyncRequired = (why: string) => messages.error(WsErrorCode.RESYNC_REQUIRED, `${why}: reload your state over REST (GET /api/games/history)`);

/** What was replayed: game_events up to `lastSent` are not sent again. */
type Replayed = { lastSent: number } | 'closed' | 'over_budget';

/**
 * The hub delivers each user's events in `seq` order. Until live delivery reaches the newest
 * event read from the database (replayed, or included in the balance sent), the user's
 * messages are relayed from the hub with repeats and balance_updates the balance already
 * includes dropped; then the socket subscribes to its topic, in one synchronous step after
 * that delivery (which the topic does not repeat: the socket was not subscribed when it was
 * published). A broker that delivers after the commit (Redis) therefore cannot repeat an
 * event, nor send a balance older than the one read.
 *
 * The balance is read after the replay, so it is never older than the last event replayed.
 */
export async function resume(deps: ResumeDeps, ws: Socket, since: string | undefined): Promise<ResumeOutcome> {
  const { hub, balances } = deps;
  const session = ws.data.session;
  const pending: string[] = [];
  let relay: (message: string) => void = (message) => pending.push(message);
  session.stopWatching = hub.watch(session.userId, (message) => relay(message));
  let isRelaying = false;
  try {
    const replayed = since === undefined ? { lastSent: 0 } : await replay(deps, ws, since);
    if (replayed === 'closed' || replayed === 'over_budget') return replayed;
    let balance: CurrentBalance | undefined;
    let outcome: ResumeOutcome = 'live';
    try {
      balance = await balances.current(session.userId);
    } catch (error) {
      if (since !== undefined) throw error;
      outcome = { balanceError: error };
    }
    if (!session.isOpen) return 'closed';
    const handed = handOver(deps, ws, replayed.lastSent, balance);
    if (handed === 'closed') return handed;
    relay = handed.relay;
    isRelaying = true;
    for (const message of pending) relay(message);
    if (handed.isCaughtUp()) goLive(ws);
    return outcome;
  } finally {
    if (!isRelaying) {
      session.stopWatching?.();
      session.stopWatching = undefined;
    }
  }
}

/**
 * A fresh socket (no `since`) whose balance can be read synchronously (a SQLite file): the
 * same start as resume(), in one synchronous step and without a promise. Nothing can be
 * delivered between the read and the hand-over, so the hub's messages are watched only when
 * live delivery has yet to reach the play read. Undefined when the read cannot be made now:
 * resume() then runs.
 */
export function startFresh(deps: ResumeDeps, ws: Socket): ResumeOutcome | undefined {
  const balance = deps.balances.currentNow(ws.data.session.userId);
  if (balance === NOT_NOW) return undefined;
  const handed = handOver(deps, ws, 0, balance);
  if (handed === 'closed') return handed;
  if (handed.isCaughtUp()) goLive(ws);
  else ws.data.session.stopWatching = deps.hub.watch(ws.data.session.userId, handed.relay);
  return 'live';
}

/** Stops relaying and subscribes the socket to its user's topic, in one synchronous step. */
function goLive(ws: Socket): void {
  const session = ws.data.session;
  session.stopWatching?.();
  session.stopWatching = undefined;
  if (session.isOpen) ws.subscribe(userTopic(session.userId));
}

/**
 * Sends the balance read (if any), and the relay that hands the hub's messages to the socket
 * until live delivery reaches the newest event read from the database (replayed, or included
 * in the balance), dropping repeats and balance_updates the balance already includes; then it
 * subscribes the socket. `isCaughtUp()`: live delivery has reached what was read (at once when
 * nothing was read, as for a fresh socket of a user who never played): go live now. 'closed' when the send overflowed.
 */
function handOver(deps: ResumeDeps, ws: Socket, replayedThrough: number, balance: CurrentBalance | undefined): { relay: (message: string) => void; isCaughtUp: () => boolean } | 'closed' {
  const { registry } = deps;
  const balanceSeq = balance?.seq ?? 0;
  if (balance && !registry.send(ws, balance.message)) return 'closed';
  const newestRead = Math.max(replayedThrough, balanceSeq);
  let lastSent = replayedThrough;
  let isCaughtUp = newestRead === 0;
  const relay = (message: string) => {
    const head = gameEventHead(message);
    if (head) {
      if (head.seq >= newestRead && !isCaughtUp) {
        isCaughtUp = true;
        queueMicrotask(() => goLive(ws));
      }
      if (head.seq <= lastSent) return;
      lastSent = head.seq;
    } else if ((balanceUpdateSeq(message) ?? Infinity) <= balanceSeq) {
      return; // the balance sent already includes it
    }
    registry.send(ws, message);
  };
  return { relay, isCaughtUp: () => isCaughtUp };
}

/**
 * Sends the events after `since` (or `resync_required`), charged to the user's resume budget:
 * one before reading, one per event before sending any. 'closed' when the socket went
 * meanwhile; 'over_budget' with nothing sent.
 */
async function replay(deps: ResumeDeps, ws: Socket, since: string): Promise<Replayed> {
  const { history, registry, maxEvents, budget } = deps;
  const session = ws.data.session;
  const position = parseEventId(since);
  if (!position || position.userId !== session.userId) {
    registry.send(ws, resyncRequired('unknown event id'));
    return { lastSent: 0 };
  }
  if ((await budget.take(session.userId, 1)) !== undefined) return 'over_budget';
  const [latest, missed] = await Promise.all([history.latestSeq(session.userId), history.since(session.userId, position.seq, maxEvents + 1)]);
  if (!session.isOpen) return 'closed';
  const isUnknown = position.seq > latest;
  const isTooOld = missed.length > maxEvents;
  if (isUnknown || isTooOld) {
    registry.send(ws, resyncRequired(isUnknown ? 'unknown event id' : 'too many missed events to replay'));
    // After a resync the client reloads over REST, which holds everything read here.
    return { lastSent: latest };
  }
  if ((await budget.take(session.userId, missed.length)) !== undefined) return 'over_budget';
  if (!session.isOpen) return 'closed';
  let lastSent = position.seq;
  for (const event of missed) {
    if (!registry.send(ws, event.payload)) return 'closed';
    lastSent = event.seq;
  }
  return { lastSent };
}
