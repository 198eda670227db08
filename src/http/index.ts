/** Turns every failure into `{ error: { code, message } }` with the right status. */
import { Elysia, ValidationError } from 'elysia';
import type { Logger } from '../log';
import { redactUrl } from '../log';
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

export const httpErrors = (options: { maxBodyBytes: number; logger: Logger }) =>
  new Elysia({ name: 'http-errors' })
    .onRequest(({ request }) => {
      // Refuse a declared oversize body before anything reads it; Bun's maxRequestBodySize
      // stops one that lies about its length or is chunked.
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > options.maxBodyBytes) return errorResponse(413, 'payload_too_large', `request bodies are limited to ${options.maxBodyBytes} bytes`);
    })
    .onError({ as: 'global' }, ({ code, error, request }) => {
      if (error instanceof AppError) return errorResponse(error.status, error.code, error.message, error.headers);
      if (error instanceof ValidationError) return validationResponse(error);
      switch (code) {
        case 'PARSE':
          return errorResponse(400, 'bad_json', 'the body is not valid JSON');
        case 'NOT_FOUND':
          return errorResponse(404, 'not_found', 'no such endpoint');
        default: {
          const status = (error as { status?: unknown }).status;
          if (typeof status === 'number' && status >= 400 && status < 500) return errorResponse(status, 'bad_request', 'the request was refused');
          options.logger.error('unhandled error', { path: redactUrl(request.url), error: error instanceof Error ? error.message : String(error) });
          return errorResponse(500, 'internal_error', 'something went wrong on our side');
        }
      }
    });
