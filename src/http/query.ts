/**
 * Query-string values as routes read them: text, checked here so that each bad parameter gets
 * its own error code (`invalid_limit`, `invalid_before`, …) rather than a generic schema failure.
 */
import { badRequest } from '../errors';

/** A positive integer small enough to be exact in JavaScript (ids, cursors), or a 400 with `code`. */
export function positiveInteger(raw: unknown, code: string, name: string): number {
  const isValid = typeof raw === 'string' && /^\d{1,15}$/.test(raw) && Number(raw) >= 1;
  if (!isValid) throw badRequest(code, `${name} must be a positive integer`);
  return Number(raw);
}

/** A page size from 1 to `max`, `fallback` when not given, or a 400 `invalid_limit`. */
export function pageLimit(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const isValid = typeof raw === 'string' && /^\d{1,3}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= max;
  if (!isValid) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${max}`);
  return Number(raw);
}
