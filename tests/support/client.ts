/** REST helpers: a signed-up user with a token, and JSON requests against a test server. */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect } from 'bun:test';
import { join } from 'node:path';
import type { TokenResponse } from '../../src/auth/model';
import { games } from '../../src/games/catalogue';
import type { GameType } from '../../src/games/game';
import { ADMIN, startTestServer, type TestEnv, type TestServer } from './server';
import { openUserSocket, type TestSocket } from './socket';

export type Api = ReturnType<typeof api>;
let userCounter = 0;

export function api(baseUrl: string) {
  async function request(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(baseUrl + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  return {
    request,
    post: (path: string, body?: unknown, token?: string, headers?: Record<string, string>) => request('POST', path, { body, token, headers }),
    get: (path: string, token?: string) => request('GET', path, { token }),

    /** Signs up a new user with a unique name; returns the token response. */
    async signup(prefix = 'player'): Promise<TokenResponse & { password: string }> {
      const username = `${prefix}_${process.pid}_${++userCounter}`;
      const password = 'correct-horse-battery';
      const response = await request('POST', '/api/auth/signup', { body: { username, password } });
      if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${response.text}`);
      return { ...response.json, password };
    },

    async loginAdmin(): Promise<TokenResponse> {
      const response = await request('POST', '/api/auth/login', { body: ADMIN });
      if (response.status !== 200) throw new Error(`admin login failed: ${response.status} ${response.text}`);
      return response.json;
    },

    async balance(token: string): Promise<number> {
      const response = await request('GET', '/api/auth/me', { token });
      if (response.status !== 200) throw new Error(`me failed: ${response.status}`);
      return response.json.balance;
    },

    /** Plays one game; `body` defaults to a valid play of that game with `bet`. */
    play(token: string, game: GameName, body: Record<string, unknown> = {}, headers?: Record<string, string>) {
      return request('POST', `/api/games/${GAME_PATHS[game]}`, { body: { ...DEFAULT_BODIES[game], ...body }, token, headers });
    },
  };
}

/** The games, from the server's own catalogue. */
export type GameName = GameType;
export const GAME_NAMES: GameName[] = games.map((game) => game.type);
export const GAME_PATHS = Object.fromEntries(games.map((game) => [game.type, game.path])) as Record<GameName, string>;
const DEFAULT_BODIES: Record<GameName, Record<string, unknown>> = {
  slot: { bet: 1 },
  rps: { bet: 1, choice: 'rock' },
  gacha: { bet: 1 },
  crash: { bet: 1, cashout: 2 },
};

/** A user's account as the test server's SQLite file holds it, in minor units (cents). */
export type Ledger = { balance: number; plays: number; bets: number; payouts: number };

export function ledgerOf(server: { dir: string }, userId: number): Ledger {
  const db = new Database(join(server.dir, 'games.sqlite'), { readonly: true });
  try {
    const user = db.query('SELECT balance FROM users WHERE id = ?').get(userId) as { balance: number };
    const events = db.query('SELECT COUNT(*) AS plays, COALESCE(SUM(bet), 0) AS bets, COALESCE(SUM(payout), 0) AS payouts FROM events WHERE user_id = ?').get(userId) as Omit<Ledger, 'balance'>;
    return { balance: user.balance, ...events };
  } finally {
    db.close();
  }
}

/**
 * Runs `act` and proves it charged nothing: the user's balance and plays in the database are
 * as before, and no game_event or balance_update reached the user's socket.
 */
export async function expectNothingCharged<T>(server: { dir: string }, userId: number, socket: TestSocket, act: () => Promise<T>): Promise<T> {
  const before = ledgerOf(server, userId);
  const result = await act();
  const emitted = (await socket.settle()).filter((m) => m.type === 'game_event' || m.type === 'balance_update');
  expect(emitted).toEqual([]);
  expect(ledgerOf(server, userId)).toEqual(before);
  return result;
}

/**
 * A test server with one signed-up player whose socket is open: the setup of tests that prove
 * a refusal charged nothing (`nothingCharged`).
 */
export async function serverWithPlayer(env: TestEnv = {}) {
  const server = await startTestServer(env);
  const client = api(server.url);
  const player = await client.signup();
  const socket = await openUserSocket(server.url, player.access_token);
  return {
    server,
    client,
    player,
    socket,
    nothingCharged: <T>(act: () => Promise<T>) => expectNothingCharged(server, player.user.id, socket, act),
    async close(): Promise<void> {
      socket.close();
      await server.close();
    },
  };
}

/**
 * A test server (and a client of it) for the tests of one file: started before them, closed
 * after them. Read `.server` and `.client` inside the tests.
 */
export function serverForFile(env: TestEnv = {}): { server: TestServer; client: Api } {
  const shared = {} as { server: TestServer; client: Api };
  beforeAll(async () => {
    shared.server = await startTestServer(env);
    shared.client = api(shared.server.url);
  });
  afterAll(() => shared.server.close());
  return shared;
}
