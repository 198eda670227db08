/**
 * A file's server (or a `describe`'s, when called inside one): `startTestServer` before the
 * tests, closed after them, sockets a test opened closed after each test whatever happened,
 * and optionally one signed-up player with an open socket, for tests that prove a refusal
 * charged nothing (`nothingCharged`).
 */
import { afterAll, afterEach, beforeAll } from 'bun:test';
import { createApp, type App } from '../../src/app';
import type { TokenResponse } from '../../client/protocol/auth';
import { openDatabase, type Database } from '../../src/storage';
import { api, expectNothingCharged, type Api } from './client';
import { readLater } from './lazy';
import { FIRST_USE_TIMEOUT_MS } from './postgres';
import { startTestServer, TEST_SECRET, testConfig, testStore, type TestEnv, type TestServer, type TestServerOptions, type TestStore } from './server';
import { openUserSocket, type TestSocket } from './socket';
import { closer } from './streams';

export type Player = TokenResponse & { password: string };

export type Suite = {
  readonly server: TestServer;
  readonly client: Api;
  readonly sockets: ReturnType<typeof closer>;
  /** With `withPlayer`: the player and its socket, open for the whole file. */
  readonly player: Player;
  readonly socket: TestSocket;
  /** Runs `act` and proves it charged the player nothing and emitted nothing to its socket. */
  nothingCharged<T>(act: () => Promise<T>): Promise<T>;
};

export function useServer(env: TestEnv = {}, options: TestServerOptions & { withPlayer?: boolean } = {}): Suite {
  let state: { server: TestServer; client: Api; player?: Player; socket?: TestSocket } | undefined;
  const sockets = closer();
  beforeAll(async () => {
    const server = await startTestServer(env, options);
    const client = api(server.url);
    state = { server, client };
    if (options.withPlayer) {
      state.player = await client.signup();
      state.socket = await openUserSocket(server.url, state.player.access_token);
    }
  }, FIRST_USE_TIMEOUT_MS);
  afterEach(() => sockets.closeAll());
  afterAll(async () => {
    state?.socket?.close();
    await state?.server.close();
  });
  const get = <K extends 'server' | 'client' | 'player' | 'socket'>(key: K): NonNullable<NonNullable<typeof state>[K]> => {
    const value = state?.[key];
    if (value === undefined) throw new Error(key === 'player' || key === 'socket' ? 'useServer(…, { withPlayer: true }) opens the player' : 'the server starts in beforeAll');
    return value as NonNullable<NonNullable<typeof state>[K]>;
  };
  return {
    get server() {
      return get('server');
    },
    get client() {
      return get('client');
    },
    get player() {
      return get('player');
    },
    get socket() {
      return get('socket');
    },
    sockets,
    nothingCharged: (act) => expectNothingCharged(get('server'), get('player').user.id, get('socket'), act),
  };
}

/**
 * The app with no listener, for tables of REST refusals: requests go straight to
 * `app.handle(new Request(…))`, with no port, socket or hub. What needs a socket, a client
 * address or a publish uses `useServer`.
 */
export function useApp(env: TestEnv = {}): { readonly client: Api; readonly app: App; readonly db: Database } {
  let state: { store: TestStore; db: Database; app: App; client: Api } | undefined;
  beforeAll(async () => {
    const store = await testStore('sqlite');
    const db = await openDatabase(store.url);
    const app = createApp({ config: testConfig(store, env), db, jwtSecret: TEST_SECRET });
    state = { store, db, app, client: api('http://app.test', (request) => app.app.handle(request)) };
  });
  afterAll(async () => {
    if (!state) return;
    await state.app.close();
    await state.db.close();
    await state.store.remove();
  });
  return readLater(() => state, ['client', 'app', 'db'], 'the app is built in beforeAll');
}
