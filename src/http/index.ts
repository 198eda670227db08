/** Turns every failure into `{ error: { code, message } }` with the right status. */
import { Elysia, ValidationError } from 'elysia';
import type { Logger } from '../log';
import { redactUrl } from '../log';
import { isDatabaseUnavailable } from '../storage/unavailable';
import { AppError, errorResponse } from './errors';

/** A body field that failed its schema, named the way clients know it. */
const FIELD_CODES: Record<string, string> = {
  bet: 'invalid_bet',
  choice: 'invalid_choice',
  cashout: 'invalid_cashout',
  username: 'invalid_username',
  password: 'invalid_password',
  refresh_token: 'invalid_refresh_token',
};

function validationResponse(error: ValidationError): Response {
  const issue = error.valueError;
  const field = issue?.path.split('/')[1] ?? '';
  const code = FIELD_CODES[field] ?? 'invalid_body';
  const message = field ? `${field}: ${issue?.message ?? 'invalid'}` : `body: ${issue?.message ?? 'invalid'}`;
  return errorResponse(400, code, message);
}

/**
 * Bun's own maxRequestBodySize. Past it Bun refuses by itself with a bare 413 (no JSON), so it
 * sits far above MAX_BODY_BYTES: every body the limit refuses gets the JSON 413 below, and the
 * parser never reads more than MAX_BODY_BYTES of one anyway.
 */
export const BODY_CEILING_BYTES = 64 * 1024 * 1024;

/** Closing the connection stops a client still uploading; Bun would otherwise read the rest to discard it. */
const payloadTooLarge = (maxBodyBytes: number) =>
  new AppError(413, 'payload_too_large', `request bodies are limited to ${maxBodyBytes} bytes`, { connection: 'close' });

/**
 * The body as text, read chunk by chunk and refused (413) as soon as it grows past `maxBytes`:
 * a chunked body, which declares no length, is never held whole.
 */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      throw payloadTooLarge(maxBytes);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

export const httpErrors = (options: { maxBodyBytes: number; logger: Logger; logRequests: boolean }) => {
  const plugin = new Elysia({ name: 'http-errors' })
    .onRequest(({ request }) => {
      // Refuse a declared oversize body before anything reads it; a chunked one is stopped by
      // the bounded parser below.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > options.maxBodyBytes) {
        const { status, code, message, headers } = payloadTooLarge(options.maxBodyBytes);
        options.logger.debug('request', { method: request.method, path: redactUrl(request.url), status });
        return errorResponse(status, code, message, headers);
      }
    })
    // Replaces Elysia's parsers for every route: bodies are JSON, read within the limit. Any
    // other content type arrives as text and fails the route's schema (400).
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      if (!request.body) return undefined;
      // A declared length was held to the limit in onRequest, so Bun can read it natively;
      // only a chunked body, which declares none, is read piece by piece.
      const isLengthDeclared = request.headers.has('content-length');
      const text = isLengthDeclared ? await request.text() : await readBounded(request.body, options.maxBodyBytes);
      return contentType === 'application/json' ? JSON.parse(text) : text;
    })
    .onError({ as: 'global' }, ({ code, error, request, set }) => {
      const response = errorToResponse(code, error, request, options.logger);
      // Read by the request log below, which otherwise sees the status Elysia guessed.
      set.status = response.status;
      return response;
    });
  // A hook on every response costs even when its line is thrown away: only when logging them.
  if (!options.logRequests) return plugin;
  return plugin.onAfterResponse({ as: 'global' }, ({ request, set, responseValue }) => {
    const answered = responseValue instanceof Response ? responseValue.status : set.status;
    // Elysia reports an accepted socket upgrade as 200.
    const isUpgrade = answered === 200 && request.headers.get('upgrade')?.toLowerCase() === 'websocket';
    options.logger.debug('request', { method: request.method, path: redactUrl(request.url), status: isUpgrade ? 101 : answered });
  });
};

function errorToResponse(code: string | number, error: unknown, request: Request, logger: Logger): Response {
  // Elysia wraps what a parser throws in a ParseError: the 413 above arrives as its cause.
  const cause = (error as { cause?: unknown }).cause;
  const failure = error instanceof AppError ? error : cause instanceof AppError ? cause : undefined;
  if (failure) return errorResponse(failure.status, failure.code, failure.message, failure.headers);
  if (error instanceof ValidationError) return validationResponse(error);
  // The database is down or restarting: nothing was written (the play's transaction did not
  // commit), and the same request may be sent again once it is back.
  if (isDatabaseUnavailable(error)) return errorResponse(503, 'database_unavailable', 'the database is unavailable; try again shortly', { 'retry-after': '1' });
  switch (code) {
    case 'PARSE':
      return errorResponse(400, 'bad_json', 'the body is not valid JSON');
    case 'NOT_FOUND':
      return errorResponse(404, 'not_found', 'no such endpoint');
    default: {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) return errorResponse(status, 'bad_request', 'the request was refused');
      logger.error('unhandled error', { path: redactUrl(request.url), error: error instanceof Error ? error.message : String(error) });
      return errorResponse(500, 'internal_error', 'something went wrong on our side');
    }
  }
}
