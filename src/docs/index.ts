/** The docs controller: the OpenAPI page and document, and the AsyncAPI document. */
import { Elysia } from 'elysia';
import { asyncApiDocument } from './asyncapi';
import type { ServedRoute } from '../http/methods';
import { openApiDocs } from './openapi';

/**
 * Where the documents say the server is: `PUBLIC_URL` when configured (behind a proxy the
 * request's host is the proxy's upstream), otherwise the origin the request was sent to.
 */
export const servedFrom = (request: Request, publicUrl: string | undefined): string => (publicUrl ?? new URL(request.url).origin).replace(/\/+$/, '');

/** `routes`: the app's route table, so the OpenAPI document lists exactly what is served. */
export const docsController = (routes: () => readonly ServedRoute[], publicUrl?: string) =>
  new Elysia({ name: 'docs' })
    // The plugin builds the document once and hands the same object to every request: the
    // server it was fetched from is added to a copy, per request.
    .onAfterHandle(({ path, request, responseValue }) => {
      if (path !== '/openapi/json') return;
      return { ...(responseValue as object), servers: [{ url: servedFrom(request, publicUrl), description: 'this server' }] };
    })
    .use(openApiDocs(routes))
    .get('/asyncapi.json', ({ request }) => new Response(JSON.stringify(asyncApiDocument(servedFrom(request, publicUrl))), { headers: { 'content-type': 'application/json' } }));
