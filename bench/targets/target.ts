/**
 * A target is one server implementation under test, plugged into the harness through this
 * interface: how to start it, how to get users that may play on it, how to sign their tokens.
 */
import type { Role } from "../lib/jwt.mjs";
import type { ServerProcess } from "../lib/proc.ts";
import type { StreamKind } from "../load/protocol.ts";

export interface ClusterStart {
  servers: ServerProcess[];
  /** As Target.prepareUsers, for the cluster's shared store. */
  prepareUsers(count: number): Promise<number[]>;
  prepareAdmin(): Promise<number>;
}

export interface Target {
  /** Short, used in the table and the JSON. */
  readonly name: string;
  readonly description: string;
  /** The client protocol of its event streams. */
  readonly streams: StreamKind;
  /** Starts a fresh server process; `stop()` on the result ends it. */
  start(): Promise<ServerProcess>;
  /**
   * Ids of `count` users who may play and open sockets on `server`, created if need be. The
   * same ids (as a prefix) on every later call, also across restarts of the server.
   */
  prepareUsers(server: ServerProcess, count: number): Promise<number[]>;
  /** Id of a user allowed on the monitor stream. */
  prepareAdmin(server: ServerProcess): Promise<number>;
  /** An access token the server accepts for this user and role. */
  mintToken(userId: number, role: Role): string;
  /**
   * Starts a fresh server that lets user sockets resume after a lost connection, for the
   * reconnect storm; absent when the target cannot (the storm then skips it).
   */
  startForStorm?(): Promise<ServerProcess>;
  /**
   * Starts `instances` servers that share their events (and, for ours, one PostgreSQL), for
   * the cluster scenario, with the users that may play on them; absent when the target cannot.
   */
  startCluster?(instances: number): Promise<ClusterStart>;
  /** Removes whatever the target keeps between runs (files, directories). */
  dispose(): Promise<void>;
}
