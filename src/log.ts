/**
 * A tiny leveled logger: one JSON object a line, for everything the server prints. Nothing
 * that could carry a token is logged: URLs lose their query string (`?token=` may be there)
 * and headers are never printed.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

type Log = (message: string, fields?: Record<string, unknown>) => void;

export type Logger = Record<Exclude<LogLevel, 'silent'>, Log> & {
  /**
   * Start and stop lines ("listening on", "shutting down"): printed at `info` at every level
   * but silent, because supervisors and scripts wait for them even with LOG_LEVEL=warn.
   */
  announce: Log;
};

/** Anything shaped like a JWT (a base64url JSON header, two more segments): a second guard, should a token ever reach a field. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

export function createLogger(level: LogLevel): Logger {
  const at = (name: Exclude<LogLevel, 'silent'>, always = false): Log => (message, fields) => {
    const isShown = always ? level !== 'silent' : RANK[name] >= RANK[level];
    if (!isShown) return;
    const line = JSON.stringify({ level: name, time: new Date().toISOString(), msg: message, ...fields }).replace(JWT_LIKE, '<token>');
    (name === 'error' || name === 'warn' ? console.error : console.log)(line);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), announce: at('info', true) };
}

/** The path of a URL without its query string, which may hold a token. */
export function redactUrl(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '');
  const query = path.indexOf('?');
  return query === -1 ? path : `${path.slice(0, query)}?<redacted>`;
}

/**
 * A `warn` that writes a message at most once per `intervalMs`, saying how many of the same
 * message it held back meanwhile: for failures that repeat per request during an outage.
 */
export function throttledWarnings(logger: Logger, clock: { now(): number }, intervalMs: number) {
  const last = new Map<string, { at: number; held: number }>();
  return {
    warn(message: string, fields?: Record<string, unknown>): void {
      const now = clock.now();
      const seen = last.get(message);
      if (seen && now - seen.at < intervalMs) {
        seen.held += 1;
        return;
      }
      last.set(message, { at: now, held: 0 });
      logger.warn(message, seen && seen.held > 0 ? { ...fields, repeats_held_back: seen.held } : fields);
    },
  };
}
