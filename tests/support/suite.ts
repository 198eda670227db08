/**
 * The hooks most test files repeat: a server started before the tests of the file (or of the
 * `describe` this is called in) and closed after them, and the sockets a test opened closed
 * after each test, whatever happened.
 */
import { afterAll, afterEach, beforeAll } from 'bun:test';
import type { Rng } from '../../src/games/rng';
import type { Broker } from '../../src/realtime/broker/broker';
import { api, type Api } from './client';
import { startTestServer, type TestEnv, type TestServer } from './server';
import { closer } from './streams';

export type Suite = { readonly server: TestServer; readonly client: Api; readonly sockets: ReturnType<typeof closer> };

export function useServer(env: TestEnv = {}, options: { rng?: Rng; broker?: Broker } = {}): Suite {
  let server: TestServer | undefined;
  let client: Api | undefined;
  const sockets = closer();
  beforeAll(async () => {
    server = await startTestServer(env, options);
    client = api(server.url);
  });
  afterEach(() => sockets.closeAll());
  afterAll(() => server?.close());
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeAll');
      return server;
    },
    get client() {
      if (!client) throw new Error('the server starts in beforeAll');
      return client;
    },
    sockets,
  };
}
