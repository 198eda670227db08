/**
 * A tiny leveled logger. Nothing that could carry a token is logged: URLs lose their query
 * string (`?token=` may be there) and headers are never printed.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type Logger = Record<Exclude<LogLevel, 'silent'>, (message: string, fields?: Record<string, unknown>) => void>;

/** Anything shaped like a JWT (a base64url JSON header, two more segments): a second guard, should a token ever reach a field. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

export function createLogger(level: LogLevel): Logger {
  const at = (name: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[name] < RANK[level]) return;
    const line = JSON.stringify({ level: name, time: new Date().toISOString(), msg: message, ...fields }).replace(JWT_LIKE, '<token>');
    (name === 'error' || name === 'warn' ? console.error : console.log)(line);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The path of a URL without its query string, which may hold a token. */
export function redactUrl(url: string): string {
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '');
  const query = path.indexOf('?');
  return query === -1 ? path : `${path.slice(0, query)}?<redacted>`;
}
