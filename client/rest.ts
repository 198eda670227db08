/**
 * GameClient: the REST API as typed methods over `fetch`. It keeps the session (access and
 * refresh token), refreshes it before the access token runs out, and hands the streams a
 * `getToken` that does the same.
 *
 * Not Eden Treaty: the game routes are registered in a loop over the catalogue and answer with a
 * prebuilt `Response`, so Treaty's types know the auth routes only; this layer types every route
 * from the same TypeBox schemas instead, and needs no Elysia in the client.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TokenResponse as TokenResponseSchema, User as UserSchema } from './protocol/auth';
import { GamesResponse } from './protocol/games';
import { AdjustResponse, AuditPage, ClusterState, DisconnectResponse, Profile, StatsResponse, UserResponse, UsersResponse } from './protocol/admin';
import { ApiError, apiErrorOf, parseJson } from './errors';
import { refreshDelayMs } from './scheduler';
import { GameStream, MonitorStream, type GameStreamOptions, type MonitorStreamOptions } from './streams';
import { GAME_PATHS, PlayResponses, type GameName, type PlayResponse, type PlayBodies, type PlayOptions, type TokenResponse, type User } from './model';

export type GameClientOptions = {
  /** `fetch` to use (a test's, or a polyfill's). */
  fetch?: typeof fetch;
  /** A session kept from earlier (e.g. storage), so no login is needed. */
  session?: TokenResponse;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
  /** Refresh this long before the access token expires (default 60 s, or a fifth of its life if shorter). */
  refreshMarginMs?: number;
  /** Called with every new session (login, refresh), e.g. to store the rotated refresh token. */
  onSession?: (session: TokenResponse) => void;
};

type Request = { method: 'GET' | 'POST'; path: string; body?: unknown; headers?: Record<string, string>; auth: boolean };

export class GameClient {
  private session: TokenResponse | undefined;
  /** Epoch ms at which the access token should be replaced. */
  private refreshAt = 0;
  /** One refresh at a time: refresh tokens rotate, and a spent one reused revokes the login. */
  private refreshing: Promise<TokenResponse> | undefined;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly options: GameClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = options.now ?? Date.now;
    if (options.session) this.adopt(options.session);
  }

  /** The current user as of the last token response (balance may be stale: use `me()`). */
  get user(): User | undefined {
    return this.session?.user;
  }

  get accessToken(): string | undefined {
    return this.session?.access_token;
  }

  async signup(username: string, password: string): Promise<TokenResponse> {
    return this.adopt(await this.checked(TokenResponseSchema, await this.send({ method: 'POST', path: '/api/auth/signup', body: { username, password }, auth: false })));
  }

  async login(username: string, password: string): Promise<TokenResponse> {
    return this.adopt(await this.checked(TokenResponseSchema, await this.send({ method: 'POST', path: '/api/auth/login', body: { username, password }, auth: false })));
  }

  /** Trades the refresh token for a new session; concurrent callers share one request. */
  refresh(): Promise<TokenResponse> {
    this.refreshing ??= (async () => {
      try {
        const refreshToken = this.session?.refresh_token;
        if (!refreshToken) throw new ApiError(401, 'not_logged_in', 'log in or sign up first');
        const response = await this.send({ method: 'POST', path: '/api/auth/refresh', body: { refresh_token: refreshToken }, auth: false });
        return this.adopt(await this.checked(TokenResponseSchema, response));
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Revokes this login's refresh tokens on the server and forgets the session. */
  async logout(): Promise<void> {
    const refreshToken = this.session?.refresh_token;
    this.session = undefined;
    if (refreshToken) await this.send({ method: 'POST', path: '/api/auth/logout', body: { refresh_token: refreshToken }, auth: false });
  }

  async me(): Promise<User> {
    const user = await this.checked(UserSchema, await this.send({ method: 'GET', path: '/api/auth/me', auth: true }));
    if (this.session) this.session = { ...this.session, user };
    return user;
  }

  /** The games the server offers: each one's route, body schema, rule and RTP (no account needed). */
  async games(): Promise<GamesResponse> {
    return this.checked(GamesResponse, await this.send({ method: 'GET', path: '/api/games', auth: false }));
  }

  /** Plays one game. With an idempotency key a retry after a lost answer charges once. */
  async play<G extends GameName>(game: G, body: PlayBodies[G], options: PlayOptions = {}): Promise<PlayResponse<G>> {
    const headers: Record<string, string> = options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
    const response = await this.send({ method: 'POST', path: `/api/games/${GAME_PATHS[game]}`, body, headers, auth: true });
    const played = (await this.checked(PlayResponses[game] as TSchema, response)) as PlayResponse<G>;
    if (this.session) this.session = { ...this.session, user: { ...this.session.user, balance: played.balance } };
    return played;
  }

  slot = (body: PlayBodies['slot'], options?: PlayOptions) => this.play('slot', body, options);
  rps = (body: PlayBodies['rps'], options?: PlayOptions) => this.play('rps', body, options);
  gacha = (body: PlayBodies['gacha'], options?: PlayOptions) => this.play('gacha', body, options);
  crash = (body: PlayBodies['crash'], options?: PlayOptions) => this.play('crash', body, options);

  // The back office (admins only; a player gets ApiError 403 forbidden).

  /** Period totals per game from the ledger (`from` inclusive, `to` exclusive, ISO 8601; default all time). */
  stats(query: { from?: string; to?: string; game_type?: GameName } = {}): Promise<Static<typeof StatsResponse>> {
    return this.get(StatsResponse, '/api/admin/stats', query);
  }

  /** Accounts by id, or by username prefix (`q`, at most `limit`), with their status. */
  async users(query: { ids: readonly number[] } | { q: string; limit?: number }): Promise<Static<typeof UsersResponse>['users']> {
    const params = 'ids' in query ? { ids: query.ids.join(',') } : { q: query.q, limit: query.limit };
    return (await this.get(UsersResponse, '/api/admin/users', params)).users;
  }

  /** A player's profile: account and status, totals of all time, newest events and actions on them. */
  profile(userId: number): Promise<Static<typeof Profile>> {
    return this.get(Profile, `/api/admin/users/${userId}`);
  }

  /** Moves a player's balance by a signed amount; with a key, a retry after a lost answer moves it once. */
  async adjust(userId: number, amount: number, reason: string, options: PlayOptions = {}): Promise<Static<typeof AdjustResponse>> {
    const headers: Record<string, string> = options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
    return this.checked(AdjustResponse, await this.send({ method: 'POST', path: `/api/admin/users/${userId}/adjust`, body: { amount, reason }, headers, auth: true }));
  }

  /** Blocks a player: plays, logins and refreshes refused, their sockets closed 4003 everywhere. */
  async block(userId: number, reason: string): Promise<Static<typeof UserResponse>['user']> {
    return (await this.checked(UserResponse, await this.send({ method: 'POST', path: `/api/admin/users/${userId}/block`, body: { reason }, auth: true }))).user;
  }

  async unblock(userId: number, reason: string): Promise<Static<typeof UserResponse>['user']> {
    return (await this.checked(UserResponse, await this.send({ method: 'POST', path: `/api/admin/users/${userId}/unblock`, body: { reason }, auth: true }))).user;
  }

  /** Closes a player's sockets everywhere with 4004; how many were closed. */
  async disconnect(userId: number, reason: string): Promise<number> {
    return (await this.checked(DisconnectResponse, await this.send({ method: 'POST', path: `/api/admin/users/${userId}/disconnect`, body: { reason }, auth: true }))).closed;
  }

  /** A page of the audit log, newest first (`before`: a `next_before` from the previous page). */
  audit(query: { limit?: number; before?: number; user_id?: number } = {}): Promise<Static<typeof AuditPage>> {
    return this.get(AuditPage, '/api/admin/audit', query);
  }

  /** The live instances with their sockets, and the broker's and the database's state. */
  cluster(): Promise<Static<typeof ClusterState>> {
    return this.get(ClusterState, '/api/admin/cluster');
  }

  /**
   * An access token for a stream: the current one while it is fresh, else a refreshed one.
   * `fresh: true` (the stream's token was refused or is about to expire) always refreshes.
   */
  getToken = async ({ fresh = false }: { fresh?: boolean } = {}): Promise<string> => {
    const isStale = this.now() >= this.refreshAt;
    const session = fresh || isStale ? await this.refresh() : this.session;
    if (!session) throw new ApiError(401, 'not_logged_in', 'log in or sign up first');
    return session.access_token;
  };

  /** The player's own events (GET /api/games/ws), authenticated through this client. */
  stream(options: Omit<GameStreamOptions, 'url' | 'getToken'> = {}): GameStream {
    return new GameStream({ ...options, url: this.baseUrl, getToken: this.getToken });
  }

  /** Every player's events (admins only: GET /api/games/ws/monitor). */
  monitor(options: Omit<MonitorStreamOptions, 'url' | 'getToken'> = {}): MonitorStream {
    return new MonitorStream({ ...options, url: this.baseUrl, getToken: this.getToken });
  }

  private adopt(session: TokenResponse): TokenResponse {
    this.session = session;
    this.refreshAt = this.now() + refreshDelayMs(session.expires_in, this.options.refreshMarginMs);
    this.options.onSession?.(session);
    return session;
  }

  /** An authenticated GET with a query string (parameters left undefined are left out), its body checked. */
  private async get<S extends TSchema>(schema: S, path: string, query: Record<string, string | number | undefined> = {}): Promise<Static<S>> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return this.checked(schema, await this.send({ method: 'GET', path: search ? `${path}?${search}` : path, auth: true }));
  }

  /** Sends a request; an authenticated one refreshes a stale token first, and once more on a 401. */
  private async send(request: Request): Promise<Response> {
    let response = await this.fetchOnce(request, request.auth ? await this.getToken() : undefined);
    // The server checks the token before anything else, so a request refused 401 charged
    // nothing and is safe to send again with a new token.
    const isRefusedToken = request.auth && response.status === 401 && this.session?.refresh_token !== undefined;
    if (isRefusedToken) {
      await response.body?.cancel();
      response = await this.fetchOnce(request, await this.getToken({ fresh: true }));
    }
    if (!response.ok) throw await apiErrorOf(response);
    return response;
  }

  private async fetchOnce(request: Request, token: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.fetch(this.baseUrl + request.path, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
    } catch (error) {
      throw new ApiError(0, 'network_error', `no answer from ${this.baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The body of a 2xx answer, checked against its schema: a client never works on a shape it did not expect. */
  private async checked<S extends TSchema>(schema: S, response: Response): Promise<Static<S>> {
    const body = parseJson(await response.text());
    if (!Value.Check(schema, body)) {
      const issue = [...Value.Errors(schema, body)][0];
      throw new ApiError(response.status, 'unexpected_response', `the server's answer did not match the API: ${issue?.path ?? ''} ${issue?.message ?? ''}`.trim());
    }
    return body;
  }
}
