/** The docs controller: the OpenAPI page and document, and the AsyncAPI document. */
import { Elysia } from 'elysia';
import { asyncApiDocument } from './asyncapi';
import type { ServedRoute } from '../http/methods';
import { openApiDocs } from './openapi';

/** `routes`: the app's route table, so the OpenAPI document lists exactly what is served. */
export const docsController = (routes: () => readonly ServedRoute[]) => {
  // Built once: the schemas it is generated from do not change while the server runs.
  const asyncApi = JSON.stringify(asyncApiDocument());
  return new Elysia({ name: 'docs' })
    .use(openApiDocs(routes))
    .get('/asyncapi.json', () => new Response(asyncApi, { headers: { 'content-type': 'application/json' } }));
};
