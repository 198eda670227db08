/**
 * The messages between the harness and a load agent (a child process, over Bun's IPC). Kept
 * to plain data: the agent reports counts and percentiles, not raw samples.
 */

/** How the load generator speaks to a target's event streams. */
export type StreamKind = "ws" | "socketio";

export interface Player {
  userId: number;
  token: string;
}

export interface OpenIdle {
  kind: StreamKind;
  baseUrl: string;
  /** Tokens of the idle users; sockets are spread over them round-robin. */
  tokens: string[];
  /** Total idle sockets wanted (those already open count). */
  count: number;
  /** Connections being opened at once. */
  concurrency: number;
}

export interface PlaySetup {
  kind: StreamKind;
  baseUrl: string;
  /** One event socket each; the play loops take turns over them. */
  players: Player[];
  adminToken: string;
  monitors: number;
  /** Appended to the monitors' upgrade URL (server-side filters, e.g. `games=crash&min_multiplier=10`). */
  monitorQuery?: string;
  /** False when the monitors' filter should let none of the plays through: they are then counted, not awaited. */
  monitorsExpected?: boolean;
  /**
   * A cluster's base URLs (instead of `baseUrl` for plays and streams): player i plays on
   * instance i and listens on the next one, so every event crosses instances; monitors are
   * spread over all of them.
   */
  instances?: string[];
}

export interface PlayRun {
  concurrency: number;
  durationMs: number;
  /** Hard cap on requests, whatever the duration. */
  maxPlays: number;
  /** How long to wait after the last response for events still on their way. */
  drainMs: number;
  bet: number;
  /**
   * Flow control for fan-out: a loop starts a play only while at most this many answered
   * plays still have deliveries on their way, so the server never buffers without bound for
   * a client that reads slower than it writes. Unset: no flow control.
   */
  maxPlaysInFlight?: number;
  /** A GET every `everyMs` during the run (a metrics scraper), without a token. */
  scrape?: { path: string; everyMs: number };
}

export interface PlayResult {
  plays: number;
  errors: number;
  firstError?: string;
  elapsedSeconds: number;
  /** Request sent → that play's game_event on the player's socket. */
  latencyMs: { p50: number; p99: number; samples: number };
  expectedDeliveries: number;
  userDeliveries: number;
  monitorDeliveries: number;
  /** With `scrape`: answers by status (e.g. { "200": 3 }); a failed request counts under "error". */
  scrapes?: Record<string, number>;
}

export interface IdleState {
  open: number;
  /** Sockets that failed to open in this call. */
  failed: number;
  firstError?: string;
}

export interface StormOpen {
  kind: StreamKind;
  baseUrl: string;
  players: Player[];
  socketsPerUser: number;
}

export interface StormMiss {
  perUser: number;
}

export interface StormResume {
  /** Every socket reconnects within this, evenly spread. */
  spreadMs: number;
  timeoutMs: number;
}

export interface StormResult {
  sockets: number;
  /** Sockets that could not reconnect. */
  failed: number;
  firstError?: string;
  /** `error` messages received (resync_required and the like). */
  notices: number;
  /** From the first reconnect: every socket reconnected; every replay complete; the live event everywhere. */
  connectedMs: number;
  replayedMs: number;
  liveMs: number;
  /** Summed over the sockets, against what was played: each missed event and the live one exactly once. */
  missed: number;
  repeated: number;
}

/** Each operation with its argument and its answer. */
export interface AgentOps {
  openIdle: { args: OpenIdle; result: IdleState };
  trimIdle: { args: { count: number }; result: IdleState };
  preparePlay: { args: PlaySetup; result: { players: number; monitors: number } };
  runPlay: { args: PlayRun; result: PlayResult };
  closePlay: { args: Record<string, never>; result: null };
  stormOpen: { args: StormOpen; result: { open: number } };
  stormDrop: { args: Record<string, never>; result: null };
  stormMiss: { args: StormMiss; result: { plays: number } };
  stormResume: { args: StormResume; result: StormResult };
  stormClose: { args: Record<string, never>; result: null };
}

export type AgentOp = keyof AgentOps;

export interface AgentRequest<K extends AgentOp = AgentOp> {
  id: number;
  op: K;
  args: AgentOps[K]["args"];
}

export type AgentResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
