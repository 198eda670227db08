/** The docs controller: the OpenAPI page and document, and the AsyncAPI document. */
import { Elysia } from 'elysia';
import { asyncApiDocument } from './asyncapi';
import { openApiDocs } from './openapi';

export const docsController = () => {
  // Built once: the schemas it is generated from do not change while the server runs.
  const asyncApi = JSON.stringify(asyncApiDocument());
  return new Elysia({ name: 'docs' })
    .use(openApiDocs())
    .get('/asyncapi.json', () => new Response(asyncApi, { headers: { 'content-type': 'application/json' } }));
};
