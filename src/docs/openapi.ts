/**
 * The OpenAPI document of the REST API (served by @elysiajs/openapi at /openapi/json, with a
 * page at /openapi), built from the table of operations (operations.ts) for the routes the app
 * serves: each operation's parameters, body, success response and error responses, the error
 * codes gathered from its access level, its body and its own.
 */
import { openapi } from '@elysiajs/openapi';
import { Type as t, type TSchema } from '@sinclair/typebox';
import type { ServedRoute } from '../http/methods';
import { operations, type Access, type OperationDoc } from './operations';

const BODY_ERRORS = { 400: ['bad_json', 'invalid_body'], 413: ['payload_too_large'], 415: ['unsupported_media_type'] };
const ACCESS_ERRORS: Record<Access, Record<number, string[]>> = {
  public: {},
  user: { 401: ['unauthorized'] },
  admin: { 401: ['unauthorized'], 403: ['forbidden'] },
};
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 410: 'Gone',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 426: 'Upgrade Required',
  429: 'Too Many Requests', 503: 'Service Unavailable',
};

/** The error body with the codes a response can carry. */
const errorSchema = (codes: string[]) =>
  t.Object({ error: t.Object({ code: t.Unsafe<string>({ type: 'string', enum: codes }), message: t.String() }) });

function errorsOf(doc: OperationDoc): Map<number, string[]> {
  const all = new Map<number, string[]>();
  const add = (table: Record<number, string[]>) => {
    for (const [status, codes] of Object.entries(table)) all.set(Number(status), [...new Set([...(all.get(Number(status)) ?? []), ...codes])]);
  };
  add(ACCESS_ERRORS[doc.access]);
  if (doc.body) add(BODY_ERRORS);
  add(doc.errors ?? {});
  return all;
}

/**
 * JSON Schema as the document holds it: TypeBox's symbols dropped, and a schema's `error` (the
 * rule in words that a refusal says, src/http/index.ts) too: it is not a JSON Schema keyword.
 */
const plain = (schema: TSchema) => JSON.parse(JSON.stringify(schema, (key, value) => (key === 'error' && typeof value === 'string' ? undefined : value)));

function operationObject(key: string, doc: OperationDoc, pathNames: string[]) {
  const responses: Record<string, unknown> = {};
  const { status, description, schema, mediaType = 'application/json' } = doc.ok;
  responses[status] = { description, ...(schema ? { content: { [mediaType]: { schema: plain(schema) } } } : {}) };
  for (const [errorStatus, codes] of [...errorsOf(doc)].sort(([a], [b]) => a - b)) {
    const existing = responses[errorStatus] as { description: string } | undefined;
    responses[errorStatus] = {
      description: existing?.description ?? `${STATUS_TEXT[errorStatus] ?? 'Error'}: ${codes.join(', ')}`,
      content: { 'application/json': { schema: plain(errorSchema(codes)) } },
    };
  }
  const query = Object.entries(doc.query?.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: doc.query?.required?.includes(name) ?? false,
    description: (schema as { description?: string }).description,
    schema: plain(schema),
  }));
  const pathParameters = pathNames.map((name) => ({ name, in: 'path', required: true, description: doc.path?.[name], schema: { type: 'string' } }));
  const parameters = [
    ...pathParameters,
    ...query,
    ...(doc.parameters ?? []).map((p) => ({ ...p, required: false, schema: plain(p.schema) })),
    ...(doc.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } })),
  ];
  return {
    tags: [doc.tag],
    summary: doc.summary,
    operationId: key.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase(),
    ...(doc.access === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
    ...(parameters.length ? { parameters } : {}),
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(doc.body) } } } } : {}),
    responses,
  };
}

/**
 * The `paths` object for the routes the app serves: one item per path, one operation per
 * method (ALL as get and post), `:param` written `{param}`.
 */
export function openApiPaths(served: readonly ServedRoute[], table = operations) {
  const isServed = new Set(served.map((route) => `${route.method} ${route.path}`));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, doc] of Object.entries(table)) {
    if (!isServed.has(key)) continue;
    const [method, rawPath] = key.split(' ') as [string, string];
    const path = rawPath.replace(/:([^/]+)/g, '{$1}');
    const methods = method === 'ALL' ? ['get', 'post'] : [method.toLowerCase()];
    const pathNames = [...rawPath.matchAll(/:([^/]+)/g)].map((match) => match[1]!);
    for (const m of methods) (paths[path] ??= {})[m] = operationObject(`${m} ${path}`, doc, pathNames);
  }
  return paths;
}

/** `routes` is read when the document is asked for, once every controller is registered. */
export const openApiDocs = (routes: () => readonly ServedRoute[]) =>
  openapi({
    path: '/openapi',
    specPath: '/openapi/json',
    // The page is Scalar, loaded by the browser from jsDelivr; pinned, never "latest", so what
    // runs in an operator's browser changes only with this line. The document itself
    // (/openapi/json) is served from here and needs nothing from outside.
    scalar: { version: '1.76.0' },
    documentation: {
      info: {
        title: 'Game event server',
        version: '1',
        description: 'REST API of the game-event server. Every error is `{ "error": { "code", "message" } }`. The WebSocket streams are described in /asyncapi.json. A known path asked with another method answers 405 method_not_allowed with an Allow header; an unknown one 404 not_found.',
      },
      tags: [
        { name: 'auth', description: 'accounts and tokens' },
        { name: 'games', description: 'plays; each becomes a game_event' },
        { name: 'history', description: 'past events' },
        { name: 'admin', description: 'admins only' },
        { name: 'websocket', description: 'stream upgrades' },
        { name: 'fairness', description: 'provably fair seeds' },
        { name: 'operations', description: 'health, readiness and metrics' },
        { name: 'docs', description: 'these documents' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      // A getter: the plugin reads it on each (re)build of the document, after start-up.
      get paths() {
        return openApiPaths(routes()) as never;
      },
    },
  });
