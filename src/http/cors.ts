/**
 * CORS for the REST API, from the same ALLOWED_ORIGINS list the socket upgrade checks. Unset,
 * no origin is allowed: browsers then refuse cross-origin REST, as the contract says.
 */
import { cors } from '@elysiajs/cors';
import { Elysia } from 'elysia';

/** What a browser page may send: the token, a JSON body, and a retry key for plays. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'idempotency-key'];
/** What it may read beyond the safelisted headers: whether a play was replayed, and when to retry. */
const EXPOSED_HEADERS = ['idempotent-replayed', 'retry-after', 'allow'];

export function corsFor(allowedOrigins: readonly string[] | undefined) {
  if (!allowedOrigins?.length) return new Elysia({ name: 'cors-off' });
  const allowed = new Set(allowedOrigins);
  return cors({
    // A function, not the list: the plugin's list matching also takes an origin without its
    // scheme and looks names up in a plain object ("__proto__" would pass).
    origin: (request) => allowed.has(request.headers.get('origin') ?? ''),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    // Bearer tokens, not cookies: nothing is gained by letting credentials through.
    credentials: false,
    maxAge: 600,
  });
}
