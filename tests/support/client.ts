/** REST helpers: a signed-up user with a token, and JSON requests against a test server. */
import { expect } from 'bun:test';
import type { TokenResponse } from '../../client/protocol/auth';
import { games } from '../../src/games/catalogue';
import type { GameType } from '../../src/games/game';
import { ADMIN, type TestStore } from './server';
import type { TestSocket } from './socket';

export type Api = ReturnType<typeof api>;
let userCounter = 0;

/** `send` defaults to a real `fetch`; an app without a listener passes its `handle`. */
export function api(baseUrl: string, send: (request: Request) => Promise<Response> = fetch) {
  async function request(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const response = await send(new Request(baseUrl + path, { method, headers, body }));
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

/** A play of the whole starting balance (1,000); crash cashes out at its lowest, 1.01. */
export const fullBalance = (game: GameName): Record<string, unknown> => (game === 'crash' ? { bet: 1000, cashout: 1.01 } : { bet: 1000 });

/** A user's account as the test server's database holds it, in minor units (cents). */
export type Ledger = { balance: number; plays: number; bets: number; payouts: number };

export async function ledgerOf(server: { store: TestStore }, userId: number): Promise<Ledger> {
  const sql = server.store.sql();
  const [user] = await sql`SELECT balance FROM users WHERE id = ${userId}`;
  const [events] = await sql`SELECT COUNT(*) AS plays, COALESCE(SUM(bet), 0) AS bets, COALESCE(SUM(payout), 0) AS payouts FROM events WHERE user_id = ${userId}`;
  // PostgreSQL returns BIGINT values, counts and sums as strings.
  return { balance: Number(user.balance), plays: Number(events.plays), bets: Number(events.bets), payouts: Number(events.payouts) };
}

/**
 * Runs `act` and proves it charged nothing: the user's balance and plays in the database are
 * as before, and no game_event or balance_update reached the user's socket.
 */
export async function expectNothingCharged<T>(server: { store: TestStore }, userId: number, socket: TestSocket, act: () => Promise<T>): Promise<T> {
  const before = await ledgerOf(server, userId);
  const result = await act();
  const emitted = (await socket.settle()).filter((m) => m.type === 'game_event' || m.type === 'balance_update');
  expect(emitted).toEqual([]);
  expect(await ledgerOf(server, userId)).toEqual(before);
  return result;
}
