/** What each socket keeps: small on purpose, it is multiplied by every connection. */
import type { ServerWebSocket } from 'bun';
import type { TokenBucket } from '../limits/rate-limit';
import type { MonitorFilter } from '../../client/protocol/messages';

export type Session = {
  kind: 'user' | 'monitor';
  userId: number;
  /** Epoch ms at which the token expires; moved by an in-band refresh. */
  expiresAt: number;
  /** The user's message budget, shared by all of the user's sockets. */
  budget: TokenBucket;
  /** The `?since=` to resume after: an event id (user sockets) or a cursor (monitors). */
  since: string | undefined;
  /** Monitors: what this monitor wants to see (undefined: everything). */
  filter: MonitorFilter | undefined;
  /** Monitors: the topic its filter's events arrive on, and how to let go of it. */
  feed?: { topic: string; release: () => void };
  /** Set while a resuming socket (or monitor) reads history and catches up: stops the hub relaying to it. */
  stopWatching?: () => void;
  /** Monitors: lets go of the hub's interest in the monitors' feed (a user socket gives its user's topic back with hub.unfollow). */
  unfollow?: () => void;
  /** The client's address, whose per-address cap the socket holds a place under. */
  address: string;
  /** Gives back the socket's place under the cluster's caps (shared, not one closure per socket). */
  releaseInCluster: () => void;
  /** The places under the caps were given back (index.ts, releasePlace). */
  isReleased: boolean;
  isOpen: boolean;
};

/** The handlers Elysia's WebSocket dispatcher finds in `ws.data` (see index.ts). */
export type SocketHandlers = {
  open(ws: Socket): void;
  message(ws: Socket, message: string | Buffer): void;
  close(ws: Socket, code: number): void;
};

export type Socket = ServerWebSocket<{ session: Session } & SocketHandlers>;
