/**
 * Query parameters arrive as text and are read here, each bad one refused with its own code
 * (`invalid_limit`, `invalid_before`, …) and a message that names it: a route's query schema
 * only lists the parameters (as optional strings), so no query ever fails as a generic schema.
 */
import { badRequest } from './errors';

/** `limit`: an integer from 1 to `max`, `fallback` when absent. */
export function pageLimit(raw: string | undefined, fallback: number, max = 100): number {
  if (raw === undefined) return fallback;
  const isValid = /^\d{1,3}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= max;
  if (!isValid) throw badRequest('invalid_limit', `limit must be an integer from 1 to ${max}`);
  return Number(raw);
}

/** A positive integer small enough to be exact in JavaScript, refused as `invalid_<name>`. */
export function positiveInteger(raw: string, name: string): number {
  const isValid = /^\d{1,15}$/.test(raw) && Number(raw) >= 1;
  if (!isValid) throw badRequest(`invalid_${name}`, `${name} must be a positive integer`);
  return Number(raw);
}
