/** Turns every failure into `{ error: { code, message } }` with the right status. */
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Elysia, ValidationError } from 'elysia';
import type { Logger } from '../log';
import { redactUrl } from '../log';
import { isDatabaseUnavailable } from '../storage/unavailable';
import { AppError, errorResponse } from '../errors';

/** A body field that failed its schema, named the way clients know it. */
const FIELD_CODES: Record<string, string> = {
  bet: 'invalid_bet',
  choice: 'invalid_choice',
  cashout: 'invalid_cashout',
  username: 'invalid_username',
  password: 'invalid_password',
  refresh_token: 'invalid_refresh_token',
  amount: 'invalid_amount',
  reason: 'invalid_reason',
};

/**
 * Requests whose body is not JSON. The parser does not throw for them: the route's schema
 * refuses the body like any bad one, which keeps authentication first (no token: 401, whatever
 * the body), and that refusal is answered 415.
 */
const unsupportedMedia = new WeakSet<Request>();

/** `Application/JSON; charset=utf-8` is JSON: media types are case-insensitive and may carry parameters. */
const isJsonMediaType = (header: string | null) => header?.split(';')[0]?.trim().toLowerCase() === 'application/json';

/** A schema that is a choice of constants (`rock | paper | scissors`): its values. */
function choicesOf(schema: unknown): string[] | undefined {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  const values = anyOf?.map((member) => member.const);
  return values && values.length > 0 && values.every((value) => typeof value === 'string') ? (values as string[]) : undefined;
}

function validationResponse(error: ValidationError, request: Request): Response {
  if (unsupportedMedia.has(request)) {
    return errorResponse(415, 'unsupported_media_type', 'send the body as application/json (Content-Type: application/json)');
  }
  const issue = error.valueError;
  const field = issue?.path.split('/')[1] ?? '';
  // Routes read their queries themselves (src/http/query.ts); should a query schema refuse one,
  // it is still named with its own code.
  if (error.type === 'query') return errorResponse(400, field ? `invalid_${field}` : 'invalid_query', `${field || 'query'}: ${issue?.message ?? 'invalid'}`);
  // A field the schema does not name is the body's fault, whatever it is called (`choice` sent
  // to the slot is not a bad choice).
  if (issue?.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((issue.schema as { properties?: object }).properties ?? {});
    return errorResponse(400, 'invalid_body', `${field}: not a field of this body (it takes ${known.join(', ') || 'none'})`);
  }
  const isNotAnObject = field === '' && issue?.type === ValueErrorType.Object;
  if (isNotAnObject) return errorResponse(400, 'invalid_body', 'body: must be a JSON object');
  const code = FIELD_CODES[field] ?? 'invalid_body';
  const choices = choicesOf(issue?.schema);
  // A schema's `error` is its rule in words ("username must be 3 to 32 letters, …"), never the pattern.
  const rule = (issue?.schema as { error?: unknown } | undefined)?.error;
  const reason = choices ? `must be one of ${choices.join(', ')}` : (issue?.message ?? 'invalid');
  const message = typeof rule === 'string' ? rule : field ? `${field}: ${reason}` : `body: ${reason}`;
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

export type HttpErrorOptions = {
  maxBodyBytes: number;
  logger: Logger;
  /** Told of a request answered in onRequest (the 413 below), which no later hook sees. */
  onAnsweredEarly?: (context: { request: Request }, status: number) => void;
  /** The methods a path is served with, for 405 and its Allow header. */
  methodsOf?: (path: string) => string[];
};

export const httpErrors = (options: HttpErrorOptions) =>
  new Elysia({ name: 'http-errors' })
    // Destructured, and only the request handed on: see src/observability/requests.ts.
    .onRequest(({ request }) => {
      // Refuse a declared oversize body before anything reads it; a chunked one is stopped by
      // the bounded parser below.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > options.maxBodyBytes) {
        const { status, code, message, headers } = payloadTooLarge(options.maxBodyBytes);
        options.onAnsweredEarly?.({ request }, status);
        return errorResponse(status, code, message, headers);
      }
    })
    // Replaces Elysia's parsers for every route: bodies are JSON, read within the limit. Any
    // other content type fails the route's schema, answered 415.
    .onParse({ as: 'global' }, async ({ request }) => {
      if (!request.body) return undefined;
      // A declared length was held to the limit in onRequest, so Bun can read it natively;
      // only a chunked body, which declares none, is read piece by piece.
      const isLengthDeclared = request.headers.has('content-length');
      const text = isLengthDeclared ? await request.text() : await readBounded(request.body, options.maxBodyBytes);
      if (isJsonMediaType(request.headers.get('content-type'))) return JSON.parse(text);
      if (text === '') return undefined;
      unsupportedMedia.add(request);
      return text;
    })
    .onError({ as: 'global' }, ({ code, error, request, set }) => {
      const response = errorToResponse(code, error, request, options.logger, options.methodsOf);
      // Read by the request log (src/observability/requests.ts), which would see Elysia's guess.
      set.status = response.status;
      return response;
    });

function errorToResponse(code: string | number, error: unknown, request: Request, logger: Logger, methodsOf?: (path: string) => string[]): Response {
  // Elysia wraps what a parser throws in a ParseError: the 413 above arrives as its cause.
  const cause = (error as { cause?: unknown }).cause;
  const failure = error instanceof AppError ? error : cause instanceof AppError ? cause : undefined;
  if (failure) return errorResponse(failure.status, failure.code, failure.message, failure.headers);
  if (error instanceof ValidationError) return validationResponse(error, request);
  // The database is down or restarting: nothing was written (the play's transaction did not
  // commit), and the same request may be sent again once it is back.
  if (isDatabaseUnavailable(error)) return errorResponse(503, 'database_unavailable', 'the database is unavailable; try again shortly', { 'retry-after': '1' });
  switch (code) {
    case 'PARSE':
      return errorResponse(400, 'bad_json', 'the body is not valid JSON');
    case 'NOT_FOUND': {
      const allowed = methodsOf?.(new URL(request.url).pathname) ?? [];
      if (allowed.length === 0) return errorResponse(404, 'not_found', 'no such endpoint');
      return errorResponse(405, 'method_not_allowed', `${request.method} is not served here; use ${allowed.join(' or ')}`, { allow: allowed.join(', ') });
    }
    default: {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) return errorResponse(status, 'bad_request', 'the request was refused');
      logger.error('unhandled error', { path: redactUrl(request.url), error: error instanceof Error ? error.message : String(error) });
      return errorResponse(500, 'internal_error', 'something went wrong on our side');
    }
  }
}
