/**
 * The cluster's control messages: what an instance tells the others besides events and
 * presence, on the broker's `control` topic (so each frame is authenticated like every other,
 * broker/frame.ts), in the manner of centrifuge's control channel:
 * - `node`: every instance announces itself (id, start, sockets by kind, broker and database
 *   state) at start and every HEARTBEAT_MS; an instance not heard for NODE_TTL_MS is gone. So
 *   every instance knows the live instances: the admins' cluster panel, and how many answers
 *   a survey waits for. A newcomer is answered at once with each instance's own `node`.
 * - `close`: close this user's sockets with this code; every other instance closes its own and
 *   answers `closed` with how many, and the asking instance adds up the answers it gets from
 *   the live instances within SURVEY_TIMEOUT_MS (centrifuge's survey). Its own sockets it
 *   closes itself, after the broker took the message: a message the broker refused closed
 *   nothing anywhere.
 * Every SWEEP_MS each instance also closes the sockets of accounts the database says are
 * blocked: a `close` lost to a broker outage still takes effect within that time.
 *
 * What arrives is parsed defensively: a malformed message is dropped and reported, never thrown.
 */
import type { Broker } from './broker/broker';
import { CloseCode } from '../../client/protocol/close-codes';
import type { SocketRegistry } from './registry';
import { CONTROL_TOPIC } from './topics';

export { CONTROL_TOPIC };

export const HEARTBEAT_MS = 2_000;
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;
export const SURVEY_TIMEOUT_MS = 1_500;
export const SWEEP_MS = 5_000;
const DATABASE_PING_TIMEOUT_MS = 1_000;

/** An instance as the others see it. */
export type NodeInfo = {
  instance: string;
  /** ISO 8601. */
  started_at: string;
  sockets: { user: number; monitor: number };
  /** Whether its broker reaches the other instances. */
  broker: boolean;
  /** Its last database ping: `ok`, `unavailable`, or `unknown` before the first. */
  database: 'ok' | 'unavailable' | 'unknown';
};

export type LiveNode = NodeInfo & { self: boolean; seen_at: string };

type Message =
  | { kind: 'node'; node: NodeInfo }
  | { kind: 'gone'; from: string }
  | { kind: 'close'; request: string; from: string; user_id: number; code: number; reason: string }
  | { kind: 'closed'; request: string; from: string; to: string; count: number };

export type ControlDeps = {
  broker: Pick<Broker, 'publish' | 'connected'>;
  instanceId: string;
  registry: SocketRegistry;
  /** The accounts that are blocked now (the database); the sweep closes their sockets here. */
  blockedUsers: () => Promise<number[]>;
  /** Resolves while the database answers. */
  pingDatabase: () => Promise<unknown>;
  /** A control message dropped (malformed) or a step that failed: counted and logged by the caller. */
  onError?: (what: 'malformed' | 'heartbeat' | 'sweep' | 'answer', error?: unknown) => void;
  /** A socket this module closed, by why. */
  onClosed?: (why: 'blocked' | 'admin') => void;
  now?: () => number;
};

type Survey = { expected: Set<string>; count: number; finish: () => void };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** The message in `text`, or undefined when it is not one this version knows. */
function parse(text: string): Message | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.kind) {
    case 'node': {
      const node = value.node;
      const isNode = isObject(node) && typeof node.instance === 'string' && typeof node.started_at === 'string' && isObject(node.sockets) && isCount(node.sockets.user) && isCount(node.sockets.monitor);
      return isNode ? (value as Message) : undefined;
    }
    case 'gone':
      return typeof value.from === 'string' ? (value as Message) : undefined;
    case 'close':
      return typeof value.request === 'string' && typeof value.from === 'string' && isCount(value.user_id) && isCount(value.code) && typeof value.reason === 'string' ? (value as Message) : undefined;
    case 'closed':
      return typeof value.request === 'string' && typeof value.from === 'string' && typeof value.to === 'string' && isCount(value.count) ? (value as Message) : undefined;
    default:
      return undefined;
  }
}

export class ClusterControl {
  private readonly nodes = new Map<string, { node: NodeInfo; seenAt: number }>();
  private readonly surveys = new Map<string, Survey>();
  private readonly now: () => number;
  private readonly startedAt: string;
  private database: NodeInfo['database'] = 'unknown';
  private timers: Timer[] = [];

  constructor(private readonly deps: ControlDeps) {
    this.now = deps.now ?? Date.now;
    this.startedAt = new Date(this.now()).toISOString();
  }

  /** Announces this instance now and every HEARTBEAT_MS; sweeps blocked accounts every SWEEP_MS. */
  start(): void {
    this.announceOwned();
    const beat = setInterval(() => this.announceOwned(), HEARTBEAT_MS);
    const sweep = setInterval(() => this.sweepBlocked().catch((error) => this.deps.onError?.('sweep', error)), SWEEP_MS);
    this.timers = [beat, sweep];
    for (const timer of this.timers) timer.unref();
  }

  /** Stops the timers and tells the others this instance is gone (best effort). */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    for (const survey of this.surveys.values()) survey.finish();
    await this.deps.broker.publish(CONTROL_TOPIC, JSON.stringify({ kind: 'gone', from: this.deps.instanceId })).catch(() => {});
  }

  /** The live instances, this one first (its figures as of now). */
  liveNodes(): LiveNode[] {
    const now = this.now();
    const others: LiveNode[] = [];
    for (const [instance, { node, seenAt }] of this.nodes) {
      if (now - seenAt > NODE_TTL_MS) this.nodes.delete(instance);
      else others.push({ ...node, self: false, seen_at: new Date(seenAt).toISOString() });
    }
    others.sort((a, b) => a.started_at.localeCompare(b.started_at) || a.instance.localeCompare(b.instance));
    return [{ ...this.ownNode(), self: true, seen_at: new Date(now).toISOString() }, ...others];
  }

  /** Closes this instance's sockets of `userId` with `code`; how many. */
  closeHere(userId: number, code: number, reason: string): number {
    let closed = 0;
    for (const ws of [...this.deps.registry.open]) {
      if (ws.data.session.userId !== userId) continue;
      ws.close(code, reason);
      this.deps.onClosed?.(code === CloseCode.ACCOUNT_BLOCKED ? 'blocked' : 'admin');
      closed += 1;
    }
    return closed;
  }

  /**
   * Starts closing `userId`'s sockets everywhere: the other instances are told (rejects,
   * telling none, when the broker will not take it), and `closeHere` is left to the caller, so
   * it can close its own once it knows the action stands. `counted` resolves the others'
   * closed sockets: the answers of the instances live now, those in by SURVEY_TIMEOUT_MS.
   */
  async announceClose(userId: number, code: number, reason: string): Promise<{ counted: Promise<number> }> {
    const request = crypto.randomUUID();
    const expected = new Set(this.liveNodes().filter((node) => !node.self).map((node) => node.instance));
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const survey: Survey = { expected, count: 0, finish };
    this.surveys.set(request, survey);
    const timer = setTimeout(finish, SURVEY_TIMEOUT_MS);
    timer.unref();
    const counted = done.then(() => {
      clearTimeout(timer);
      this.surveys.delete(request);
      return survey.count;
    });
    if (expected.size === 0) finish();
    try {
      await this.deps.broker.publish(CONTROL_TOPIC, JSON.stringify({ kind: 'close', request, from: this.deps.instanceId, user_id: userId, code, reason }));
    } catch (error) {
      finish();
      throw error;
    }
    return { counted };
  }

  /** A message on CONTROL_TOPIC, this instance's own included (the broker delivers those too). */
  receive(text: string): void {
    const message = parse(text);
    if (!message) {
      this.deps.onError?.('malformed');
      return;
    }
    const me = this.deps.instanceId;
    switch (message.kind) {
      case 'node': {
        if (message.node.instance === me) return;
        const isNewcomer = !this.nodes.has(message.node.instance);
        this.nodes.set(message.node.instance, { node: message.node, seenAt: this.now() });
        if (isNewcomer) this.announceOwned(); // so it learns of this instance now, not a heartbeat later
        return;
      }
      case 'gone':
        this.nodes.delete(message.from);
        return;
      case 'close': {
        if (message.from === me) return;
        const count = this.closeHere(message.user_id, message.code, message.reason);
        this.deps.broker.publish(CONTROL_TOPIC, JSON.stringify({ kind: 'closed', request: message.request, from: me, to: message.from, count })).catch((error) => this.deps.onError?.('answer', error));
        return;
      }
      case 'closed': {
        if (message.to !== me) return;
        const survey = this.surveys.get(message.request);
        if (!survey) return;
        survey.count += message.count;
        survey.expected.delete(message.from);
        if (survey.expected.size === 0) survey.finish();
        return;
      }
    }
  }

  private ownNode(): NodeInfo {
    const sockets = { user: 0, monitor: 0 };
    for (const ws of this.deps.registry.open) sockets[ws.data.session.kind] += 1;
    return { instance: this.deps.instanceId, started_at: this.startedAt, sockets, broker: this.deps.broker.connected, database: this.database };
  }

  /** Tells the others what this instance is now, its database pinged first (`start` does it every HEARTBEAT_MS). */
  /** announce(), with an owner for a failure it does not catch itself. */
  private announceOwned(): void {
    this.announce().catch((error) => this.deps.onError?.('heartbeat', error));
  }

  async announce(): Promise<void> {
    let timer: Timer | undefined;
    try {
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('the database did not answer in time')), DATABASE_PING_TIMEOUT_MS);
        timer.unref();
      });
      await Promise.race([this.deps.pingDatabase(), timeout]);
      this.database = 'ok';
    } catch {
      this.database = 'unavailable';
    } finally {
      clearTimeout(timer);
    }
    await this.deps.broker.publish(CONTROL_TOPIC, JSON.stringify({ kind: 'node', node: this.ownNode() })).catch((error) => this.deps.onError?.('heartbeat', error));
  }

  /** Closes the sockets here of accounts blocked in the database (4003). */
  async sweepBlocked(): Promise<void> {
    if (this.deps.registry.size === 0) return;
    try {
      const blocked = new Set(await this.deps.blockedUsers());
      if (blocked.size === 0) return;
      for (const userId of new Set([...this.deps.registry.open].map((ws) => ws.data.session.userId))) {
        if (blocked.has(userId)) this.closeHere(userId, CloseCode.ACCOUNT_BLOCKED, 'account blocked');
      }
    } catch (error) {
      // The database is away: the next sweep tries again.
      this.deps.onError?.('sweep', error);
    }
  }
}
