/**
 * Tells a database that cannot be reached (down, restarting, connection cut) from every other
 * failure: the first is a 503 the client may retry, and a clear line at start-up; the rest are
 * bugs (500).
 */

/** Bun.SQL's own codes for a connection that could not be made or was lost. */
const CONNECTION_CODES = new Set([
  'ERR_POSTGRES_CONNECTION_CLOSED',
  'ERR_POSTGRES_CONNECTION_FAILED',
  'ERR_POSTGRES_CONNECTION_REFUSED',
  'ERR_POSTGRES_CONNECTION_TIMEOUT',
  'ERR_POSTGRES_IDLE_TIMEOUT',
  'ERR_POSTGRES_LIFETIME_TIMEOUT',
]);

/**
 * SQLSTATEs of a server going away: class 08 (connection exception), 57P01 admin shutdown,
 * 57P02 crash shutdown, 57P03 cannot connect now (starting up or shutting down).
 */
const isUnavailableState = (state: string) => state.startsWith('08') || ['57P01', '57P02', '57P03'].includes(state);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && typeof cause === 'object' && depth < 4; depth++) {
    const { code, errno } = cause as { code?: unknown; errno?: unknown };
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    if (typeof errno === 'string' && isUnavailableState(errno)) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
