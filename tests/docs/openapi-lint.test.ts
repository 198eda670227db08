/**
 * The OpenAPI document as a well-kept linter reads it: Redocly's `recommended` rules, on the
 * document exactly as the server serves it. Parsing it proves little; this catches an
 * undeclared path parameter, a schema keyword OpenAPI does not know, a path that differs
 * only by a trailing slash, an operation with no success or client-error answer.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'bun:test';
import { useServer } from '../support/suite';

const suite = useServer();

/**
 * Findings that are true of this API rather than faults of the document, each by rule and
 * place. Anything else the linter reports fails the test.
 */
const TRUE_OF_THE_API: Record<string, string[]> = {
  // WebSocket upgrades succeed with 101, and the legacy path only ever answers 410 gone.
  'operation-2xx-response': ['/api/games/ws', '/api/games/ws/monitor', '/ws/games'].flatMap((path) => [`${path}/get`, ...(path === '/ws/games' ? [`${path}/post`] : [])]),
  // Public routes that take no input and refuse nobody: liveness, readiness (503 only), the
  // pages and documents, and the origin check (it answers, for any Origin, whether it may connect).
  'operation-4xx-response': ['/health/get', '/ready/get', '/monitor/get', '/openapi/get', '/openapi/json/get', '/asyncapi.json/get', '/api/games/ws/origin-check/post', '/api/games/get'],
};

/** `#/paths/~1api~1games~1ws/get/responses` -> `/api/games/ws/get`. */
const place = (pointer: string) => {
  const [, , path = '', method = ''] = pointer.split('/');
  return `${path.replaceAll('~1', '/').replaceAll('~0', '~')}/${method}`;
};

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules", async () => {
    const source = await (await fetch(`${suite.server.url}/openapi/json`)).text();
    // The project is private and names no licence: there is no `license` to give.
    const config = await createConfig({ extends: ['recommended'], rules: { 'info-license': 'off' } });
    const problems = await lintFromString({ source, absoluteRef: `${suite.server.url}/openapi/json`, config });
    const unexpected = problems
      .map((problem) => ({ rule: problem.ruleId, at: problem.location[0]?.pointer ?? '', message: problem.message }))
      .filter((problem) => !TRUE_OF_THE_API[problem.rule]?.includes(place(problem.at)));
    expect(unexpected).toEqual([]);
  }, 30_000);

  it('declares the {name} of /monitor/assets/{name}, lists no trailing-slash twin, and names the server it came from', async () => {
    const doc = await (await fetch(`${suite.server.url}/openapi/json`)).json();
    expect(doc.paths['/monitor/assets/{name}'].get.parameters).toEqual([{ name: 'name', in: 'path', required: true, description: expect.any(String), schema: { type: 'string' } }]);
    expect(Object.keys(doc.paths).filter((path) => path.endsWith('/') && path !== '/')).toEqual([]);
    expect(doc.paths['/api/games/fairness'].get).toBeDefined();
    expect(doc.servers).toEqual([{ url: suite.server.url, description: expect.any(String) }]);
    const viaAnotherName = await (await fetch(`${suite.server.url}/openapi/json`, { headers: { host: 'games.example:8443' } })).json();
    expect(viaAnotherName.servers[0].url).toBe('http://games.example:8443');
  });

  it('still answers GET /api/games/fairness/ with the trailing slash', async () => {
    const player = await suite.client.signup();
    expect((await suite.client.get('/api/games/fairness/', player.access_token)).status).toBe(200);
  });
});

describe('behind a proxy (PUBLIC_URL)', () => {
  const proxied = useServer({ PUBLIC_URL: 'https://games.example/' });

  it('names PUBLIC_URL in both documents, whatever host the request was sent to', async () => {
    const openApi = await (await fetch(`${proxied.server.url}/openapi/json`)).json();
    expect(openApi.servers.map((server: { url: string }) => server.url)).toEqual(['https://games.example']);
    const asyncApi = await (await fetch(`${proxied.server.url}/asyncapi.json`)).json();
    expect(Object.values(asyncApi.servers).map((server: any) => [server.host, server.protocol])).toEqual([['games.example', 'wss']]);
  });
});
