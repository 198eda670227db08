import { Type as t } from '@sinclair/typebox';

/** Every REST failure: `{ error: { code, message } }` (src/errors.ts builds it). */
export const ErrorBody = t.Object({
  error: t.Object({ code: t.String({ description: 'snake_case, for programs' }), message: t.String({ description: 'for a person' }) }),
});
export type ErrorBody = typeof ErrorBody.static;

export const Health = t.Object({ status: t.Union([t.Literal('ok'), t.Literal('degraded')]) });
export type Health = typeof Health.static;
