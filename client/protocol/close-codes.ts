/** WebSocket close codes, as API.md lists them for clients. */
export const CloseCode = {
  /** Server shutting down: reconnect with backoff and jitter, resuming with `since`. */
  GOING_AWAY: 1001,
  /** Message budget exceeded: do not retry at once. */
  POLICY_VIOLATION: 1008,
  /** Invalid UTF-8 in a text frame (sent by Bun itself, as RFC 6455 asks). */
  INVALID_PAYLOAD: 1007,
  /** Message over the size limit (sent by Bun itself from `maxPayloadLength`). */
  MESSAGE_TOO_BIG: 1009,
  /** The server cannot serve this now (e.g. a resume could not read the database): reconnect with backoff, resuming with `since`. */
  TRY_AGAIN_LATER: 1013,
  /** Token expired: get a new token, reconnect with `since`. */
  TOKEN_EXPIRED: 4001,
  /** Too slow to keep up: reconnect with `since`. */
  TOO_SLOW: 4002,
  /** Resume budget exceeded (too many events replayed for this user lately): back off, then reconnect with `since`. */
  RESUME_BUDGET_EXCEEDED: 4005,
  /** The account was blocked by an administrator: do not reconnect. */
  ACCOUNT_BLOCKED: 4003,
  /** Closed by an administrator: the client may reconnect (with `since`). */
  CLOSED_BY_ADMIN: 4004,
  /** A monitor's `since` is past what a resume replays (or unknown): reload over REST, reconnect without `since`. */
  RESUME_OUT_OF_RANGE: 4006,
} as const;

/** Codes of `error` messages sent over a socket (the socket stays open). */
export const WsErrorCode = {
  BAD_JSON: 'bad_json',
  UNKNOWN_TYPE: 'unknown_type',
  RESYNC_REQUIRED: 'resync_required',
  INVALID_TOKEN: 'invalid_token',
  /** A monitor's `subscribe` with a filter that does not pass its schema (the socket keeps its old filter). */
  INVALID_FILTER: 'invalid_filter',
} as const;
