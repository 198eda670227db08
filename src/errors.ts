/**
 * Expected failures as small classes with a `code` and a `status`; the one `onError` in
 * `src/http/index.ts` turns them into `{ error: { code, message } }`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const unauthorized = (message = 'a valid access token is required') => new AppError(401, 'unauthorized', message);
/**
 * A bearer token refused (RFC 6750 §3): `token_expired` for a token past its `exp` but otherwise
 * valid (refresh it), `unauthorized` otherwise; `error="invalid_token"` whenever one was sent.
 */
export function bearerRefused(reason: 'missing' | 'expired' | 'invalid'): AppError {
  if (reason === 'missing') return new AppError(401, 'unauthorized', 'a valid access token is required');
  const challenge = (description: string) => ({ 'www-authenticate': `Bearer realm="games", error="invalid_token", error_description="${description}"` });
  if (reason === 'expired') return new AppError(401, 'token_expired', 'the access token has expired: refresh it', challenge('the access token expired'));
  return new AppError(401, 'unauthorized', 'a valid access token is required', challenge('the access token is invalid'));
}
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
/** An admin blocked the account: its plays, logins and refreshes are refused (API.md). */
export const accountBlocked = () => new AppError(403, 'account_blocked', 'this account is blocked');
export const notFound = (code: string, message: string) => new AppError(404, code, message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

export type ErrorBody = { error: { code: string; message: string } };

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** RFC 6750 §3 / RFC 9110 §15.5.2: every 401 names its scheme; a bearer refusal says more. */
const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="games"' };

export function errorResponse(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(errorBody(code, message)), {
    status,
    headers: { 'content-type': 'application/json', ...(status === 401 ? BEARER_CHALLENGE : undefined), ...headers },
  });
}
