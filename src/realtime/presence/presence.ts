/**
 * The cluster presence seam: which users have a socket open on ANY instance, so `join` is
 * announced on a user's first socket in the cluster and `leave` on the last, whichever
 * instances they are on. Each backend (`memory.ts`, `redis.ts`) is held to this contract by
 * tests/realtime/presence.contract.ts.
 *
 * An instance holds a lease it renews on a heartbeat; one that dies without cleaning up
 * (crash, kill -9, lost network) loses its lease, and a surviving instance removes its
 * sockets and reports the users whose last socket that was, so their `leave`s still go out.
 */
export interface Presence {
  /** The backend, for logs and health: "memory" or "redis". */
  readonly name: string;
  /**
   * Counts in one socket of `userId` opened on this instance. Resolves true when it is the
   * user's first socket in the whole cluster: the caller publishes `join`, exactly one
   * instance being told so however many open at once. Rejected (backend down), the socket
   * still counts here and goes back to the backend if this instance's lease must be re-taken.
   */
  add(userId: number): Promise<boolean>;
  /**
   * Counts out one socket of `userId` on this instance. Resolves true when it was the user's
   * last socket in the whole cluster: the caller publishes `leave`. A socket this instance
   * never added (or whose lease was swept already, its `leave` then reported by the sweeper)
   * resolves false.
   */
  remove(userId: number): Promise<boolean>;
  /** Every user with a socket on a live instance (a dead one's until its lease is swept). */
  connectedUserIds(): Promise<number[]>;
  /**
   * Takes this instance's lease again and makes its sockets in the backend exactly those open
   * here: what the backend lost (swept, or Redis restarted empty) is put back (`onRejoin` gets
   * the users made present), and sockets closed while the backend could not be told are taken
   * out (`onLeave` gets the users made absent). Called when the backend is back from an
   * outage, before reading who is online; the heartbeat does it when its lease was swept.
   */
  retake(): Promise<void>;
  /**
   * Takes this instance's lease and starts the heartbeat that renews it and sweeps expired
   * ones. A dead instance's users are gone within lease + heartbeat; `onLeave` gets the users
   * whose last socket was there, from exactly one survivor. Should this instance's own lease
   * have been swept (a long pause), the heartbeat puts its sockets back and `onRejoin` gets
   * the users that made present again, for their `join`s.
   */
  start(hooks?: PresenceHooks): Promise<void>;
  /**
   * Stops the heartbeat, gives up the lease and removes this instance's sockets; resolves the
   * users whose last socket was here (the caller may publish their `leave`s).
   */
  stop(): Promise<number[]>;
}

export type PresenceHooks = { onLeave?(userIds: number[]): void; onRejoin?(userIds: number[]): void; onError?(error: unknown): void };

/**
 * Calls `beat` every `ms` until the returned function is called; injected so tests drive it.
 * `beat` reports its own failures (a Redis away) through the hooks' `onError`; whatever still
 * escapes it goes to `onError` here, never to the process.
 */
export type Heartbeat = (ms: number, beat: () => Promise<void>, onError: (error: unknown) => void) => () => void;

export type PresenceOptions = {
  /** Unique per process. */
  instanceId: string;
  /** How long a lease lives unrenewed (≤ 10 s: a dead instance's users go well under 30 s). */
  leaseMs?: number;
  /** How often the lease is renewed and others' checked (a third of the lease by default). */
  heartbeatMs?: number;
  /** Milliseconds since the epoch; every instance's clock compares leases, so keep them synced. */
  now?: () => number;
  every?: Heartbeat;
};
