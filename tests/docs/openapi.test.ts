import { describe, expect, it } from 'bun:test';
import { openApiPaths } from '../../src/docs/openapi';
import { useServer } from '../support/suite';

const suite = useServer();
const PUBLIC = new Set(['GET /metrics', 'GET /ready', 'GET /monitor', 'GET /monitor/assets/:name', 'POST /api/games/fairness/verify', 'POST /api/auth/signup', 'POST /api/auth/login', 'POST /api/auth/refresh', 'POST /api/auth/logout', 'GET /health', 'ALL /ws/games', 'GET /openapi', 'GET /openapi/json', 'GET /asyncapi.json', 'POST /api/games/ws/origin-check', 'GET /api/games']);

async function document() {
  const response = await fetch(`${suite.server.url}/openapi/json`);
  expect(response.status).toBe(200);
  return (await response.json()) as any;
}

/** Every route the app serves, but CORS preflights (OPTIONS, answered for any path). */
const servedRoutes = () =>
  suite.server.app.app.routes.filter((route) => route.method !== 'OPTIONS').map((route) => ({ method: route.method, route: route.path, path: route.path.replace(/:([^/]+)/g, '{$1}') }));

describe('OpenAPI', () => {
  it('serves a page at /openapi', async () => {
    const response = await fetch(`${suite.server.url}/openapi`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    // The page's script is pinned to one version, never "latest".
    const scripts = [...(await response.text()).matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts).toEqual(['https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.76.0/dist/browser/standalone.min.js']);
  });

  it('describes every route the app serves, with responses, errors and tags', async () => {
    const doc = await document();
    const routes = servedRoutes();
    expect(routes.length).toBeGreaterThan(15);
    for (const { method, path, route } of routes) {
      const operation = doc.paths[path]?.[method === 'ALL' ? 'get' : method.toLowerCase()];
      expect({ route: `${method} ${route}`, documented: Boolean(operation) }).toEqual({ route: `${method} ${route}`, documented: true });
      expect(operation.tags.length).toBe(1);
      const statuses = Object.keys(operation.responses).map(Number);
      expect(statuses.length).toBeGreaterThan(0);
      for (const status of statuses) expect(operation.responses[status].description.length).toBeGreaterThan(0);
      for (const status of statuses.filter((s) => s >= 400)) {
        const schema = operation.responses[status].content['application/json'].schema;
        expect(schema.properties.error.properties.code.enum.length).toBeGreaterThan(0);
        expect(schema.properties.error.required).toEqual(['code', 'message']);
      }
    }
  });

  it('marks guarded routes with the bearer scheme and their 401, public ones with none', async () => {
    const doc = await document();
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const { method, path, route } of servedRoutes()) {
      const key = `${method} ${route}`;
      const operation = doc.paths[path][method === 'ALL' ? 'get' : method.toLowerCase()];
      if (PUBLIC.has(key)) {
        expect({ key, security: operation.security }).toEqual({ key, security: [] });
      } else {
        expect({ key, security: operation.security }).toEqual({ key, security: [{ bearer: [] }] });
        expect(operation.responses[401]).toBeDefined();
      }
    }
    expect(doc.paths['/api/admin/events'].get.responses[403]).toBeDefined();
  });

  it('lists the codes a route answers, and its body', async () => {
    const doc = await document();
    const rps = doc.paths['/api/games/rps/play'].post;
    const codes = (status: number) => rps.responses[status].content['application/json'].schema.properties.error.properties.code.enum;
    expect(codes(400)).toEqual(expect.arrayContaining(['invalid_bet', 'invalid_choice', 'bad_json']));
    expect(codes(402)).toEqual(['insufficient_funds']);
    expect(codes(415)).toEqual(['unsupported_media_type']);
    expect(rps.requestBody.content['application/json'].schema.properties.choice.anyOf.map((c: any) => c.const)).toEqual(['rock', 'paper', 'scissors']);
    expect(rps.responses[200].content['application/json'].schema.required).toEqual(expect.arrayContaining(['event_id', 'balance', 'result']));
    const history = doc.paths['/api/games/history'].get;
    expect(history.parameters.map((p: any) => p.name)).toEqual(['before', 'limit']);
  });
});

describe('openApiPaths', () => {
  it('describes exactly the routes served, writing :param as {param}', () => {
    const paths = openApiPaths([
      { method: 'GET', path: '/monitor/assets/:name' },
      { method: 'POST', path: '/api/games/fairness/verify' },
    ]);
    expect(Object.keys(paths).sort()).toEqual(['/api/games/fairness/verify', '/monitor/assets/{name}']);
    expect(Object.keys(paths['/api/games/fairness/verify']!)).toEqual(['post']);
  });
});
