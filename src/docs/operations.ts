/**
 * Every route of the REST API as the OpenAPI document describes it, in one table: the body, the
 * success response, and every error code it can answer, from the schemas each feature declares
 * in its model. Kept out of the controllers so that documenting never adds runtime response
 * validation; a test walks the app's routes and fails for any route this table does not
 * describe. The document is built from it in openapi.ts.
 */
import { Type as t, type TObject, type TSchema } from '@sinclair/typebox';
import { AdjustBody, AdjustResponse, AuditPage, AuditQuery, ClusterState, DisconnectResponse, Profile, ReasonBody, StatsQuery, StatsResponse, UserResponse, UsersQuery, UsersResponse } from '../../client/protocol/admin';
import { Credentials, LoginBody, RefreshBody, TokenResponse, User } from '../../client/protocol/auth';
import { GamesResponse, PlayResponse } from '../../client/protocol/games';
import { GAME_TYPES, games } from '../games/catalogue';
import { AdminEventsPage, AdminEventsQuery, HistoryPage, HistoryQuery } from '../history/model';
import { Health } from '../http/model';
import { ClientSeedBody, FairnessState, RevealedPage, Rotation, VerifyBody } from '../fairness/model';

export type Access = 'public' | 'user' | 'admin';

export type OperationDoc = {
  tag: string;
  summary: string;
  access: Access;
  body?: TSchema;
  query?: TObject;
  /** Extra request headers, e.g. Idempotency-Key. */
  headers?: { name: string; description: string }[];
  ok: { status: number; description: string; schema?: TSchema; mediaType?: string };
  /** Error codes by status, beyond those the access level and a JSON body bring. */
  errors?: Record<number, string[]>;
  /** Descriptions of the path's `:params` (each is declared, required, a string, described or not). */
  path?: Record<string, string>;
  /** Hand-written parameters (WebSocket upgrades). */
  parameters?: { name: string; in: 'query'; description: string; schema: TSchema }[];
};

const play = (game: (typeof games)[number]): [string, OperationDoc] => [
  `POST /api/games/${game.path}`,
  {
    tag: 'games',
    summary: `Play ${game.type}`,
    access: 'user',
    body: game.body,
    headers: [{ name: 'Idempotency-Key', description: '1 to 255 printable ASCII characters: the same key from the same user answers the first response again (with Idempotent-Replayed: true), charges once and emits one event' }],
    ok: { status: 200, description: 'the play; its game_event is pushed to the player and every monitor', schema: PlayResponse },
    errors: {
      // Each body field's own code (src/http/index.ts names them), e.g. choice -> invalid_choice.
      400: [...Object.keys(game.body.properties).map((field) => `invalid_${field}`), 'invalid_idempotency_key'],
      402: ['insufficient_funds'],
      403: ['account_blocked'],
      409: ['idempotency_key_in_use'],
      422: ['idempotency_key_reused'],
      429: ['rate_limited'],
    },
  },
];

const websocket = (who: string, extra: OperationDoc['parameters'] = []): OperationDoc => ({
  tag: 'websocket',
  summary: `WebSocket stream (${who}); messages in /asyncapi.json`,
  access: who === 'admins' ? 'admin' : 'user',
  ok: { status: 101, description: 'Switching Protocols; with the bearer.<token> subprotocol, the server answers games.v1' },
  parameters: [
    { name: 'token', in: 'query', description: 'the access token, unless ALLOW_QUERY_TOKEN=false (prefer the header or the subprotocol)', schema: t.String() },
    ...extra,
  ],
  errors: {
    ...(who === 'admins' ? { 400: ['invalid_filter', 'invalid_cursor'] } : ({} as Record<number, string[]>)),
    401: ['unauthorized', 'subprotocol_required', 'query_token_refused'],
    403: ['forbidden', 'origin_not_allowed', 'account_blocked'],
    426: ['upgrade_required'],
    429: ['too_many_sockets', 'rate_limited'],
  },
});

const page = (summary: string, mediaType: string): OperationDoc => ({ tag: 'docs', summary, access: 'public', ok: { status: 200, description: summary, mediaType, schema: t.Any() } });


/** Every route, keyed `METHOD path`. */
export const operations: Record<string, OperationDoc> = {
  'POST /api/auth/signup': {
    tag: 'auth', summary: 'Create an account', access: 'public', body: Credentials,
    ok: { status: 201, description: 'signed up and logged in', schema: TokenResponse },
    errors: { 400: ['invalid_username', 'invalid_password'], 409: ['username_taken'], 429: ['rate_limited'] },
  },
  'POST /api/auth/login': {
    tag: 'auth', summary: 'Log in', access: 'public', body: LoginBody,
    ok: { status: 200, description: 'logged in', schema: TokenResponse },
    errors: { 401: ['invalid_credentials'], 403: ['account_blocked'], 429: ['rate_limited'] },
  },
  'POST /api/auth/refresh': {
    tag: 'auth', summary: 'Trade a refresh token for new tokens (the old one is spent)', access: 'public', body: RefreshBody,
    ok: { status: 200, description: 'new access and refresh tokens', schema: TokenResponse },
    errors: { 400: ['invalid_refresh_token'], 401: ['invalid_refresh_token', 'refresh_token_reused', 'unauthorized'], 403: ['account_blocked'], 429: ['rate_limited'] },
  },
  'POST /api/auth/logout': {
    tag: 'auth', summary: "Revoke that login's refresh tokens", access: 'public', body: RefreshBody,
    ok: { status: 204, description: 'logged out' },
    errors: { 400: ['invalid_refresh_token'] },
  },
  'GET /api/auth/me': { tag: 'auth', summary: 'The caller', access: 'user', ok: { status: 200, description: 'the user', schema: User }, errors: { 401: ['unauthorized'] } },
  ...Object.fromEntries(games.map(play)),
  'GET /api/games/history': {
    tag: 'history', summary: "The caller's events, newest first", access: 'user', query: HistoryQuery,
    ok: { status: 200, description: 'a page; pass next_before back as before for the next one', schema: HistoryPage },
    errors: { 400: ['invalid_before', 'invalid_limit'] },
  },
  'GET /api/admin/events': {
    tag: 'admin', summary: "Every user's events, newest first", access: 'admin', query: AdminEventsQuery,
    ok: { status: 200, description: 'a page; pass next_before (a row id) back as before for the next one', schema: AdminEventsPage },
    errors: { 400: ['invalid_before', 'invalid_limit', 'invalid_user_id', 'invalid_game_type'] },
  },
  'GET /api/games/ws': websocket('the user', [{ name: 'since', in: 'query', description: 'an event_id: replay the newer events first', schema: t.String() }]),
  'GET /api/games/ws/monitor': websocket('admins', [
    { name: 'since', in: 'query', description: "a game_event's cursor: the snapshot replays every event after it (400 invalid_cursor when it is not one; closed 4006 past RESUME_MAX_EVENTS)", schema: t.String() },
    { name: 'games', in: 'query', description: `comma-separated game types to keep: ${GAME_TYPES.join(', ')}`, schema: t.String() },
    { name: 'user_id', in: 'query', description: "only this user's events", schema: t.Integer() },
    { name: 'min_bet', in: 'query', description: 'only bets of at least this', schema: t.Number() },
    { name: 'min_multiplier', in: 'query', description: 'only plays paying at least this multiple of the bet', schema: t.Number() },
  ]),
  'GET /api/games': {
    tag: 'games', summary: 'The games on offer: each one\'s route, body schema, rule and RTP (clients and the monitor page take the list from here)', access: 'public',
    ok: { status: 200, description: 'every game of the catalogue', schema: GamesResponse },
  },
  'POST /api/games/ws/origin-check': {
    tag: 'websocket', summary: "Whether the request's Origin may open a socket (a browser sees a refused upgrade only as 1006)", access: 'public',
    ok: { status: 200, description: 'the Origin sent (null without one) and whether sockets may open from it', schema: t.Object({ origin: t.Union([t.String(), t.Null()]), allowed: t.Boolean() }) },
  },
  'GET /health': {
    tag: 'operations', summary: 'Liveness', access: 'public',
    ok: { status: 200, description: 'ok, or degraded (local delivery only)', schema: Health },
    errors: { 503: ['shutting_down'] },
  },
  'ALL /ws/games': { tag: 'websocket', summary: 'The legacy stream, gone', access: 'public', ok: { status: 410, description: 'names the endpoints that replace it' }, errors: { 410: ['gone'] } },
  'GET /api/admin/users': {
    tag: 'admin', summary: 'Accounts by id (?ids=, unknown ids are absent) or by username prefix (?q=)', access: 'admin',
    query: UsersQuery,
    ok: { status: 200, description: 'the users, by id for ids, by name for q', schema: UsersResponse },
    errors: { 400: ['invalid_ids', 'invalid_q', 'invalid_limit', 'invalid_query'] },
  },
  'GET /api/admin/users/:id': {
    tag: 'admin', summary: "A player's profile: the account and its status, totals of all time, newest events", access: 'admin',
    ok: { status: 200, description: 'the profile', schema: Profile },
    errors: { 400: ['invalid_user_id'], 404: ['user_not_found'] },
  },
  'GET /api/admin/stats': {
    tag: 'admin', summary: 'Period totals per game from the ledger: plays, bet, payout, GGR, RTP', access: 'admin',
    query: StatsQuery,
    ok: { status: 200, description: 'every stored play of the period summed by the database (from inclusive, to exclusive)', schema: StatsResponse },
    errors: { 400: ['invalid_from', 'invalid_to', 'invalid_period', 'invalid_game_type'] },
  },
  'POST /api/admin/users/:id/adjust': {
    tag: 'admin', summary: "Move a player's balance by a signed amount, with a reason (one ledger transaction, recorded in the audit log)", access: 'admin',
    body: AdjustBody,
    headers: [{ name: 'Idempotency-Key', description: "1 to 255 printable ASCII characters: the same key from the same admin answers the first response again (with Idempotent-Replayed: true) and moves the balance once" }],
    ok: { status: 200, description: "adjusted; the player's sockets get a balance_update (reason adjustment)", schema: AdjustResponse },
    errors: { 400: ['invalid_amount', 'invalid_reason', 'invalid_user_id', 'invalid_idempotency_key'], 402: ['insufficient_funds'], 404: ['user_not_found'], 409: ['idempotency_key_in_use'], 422: ['idempotency_key_reused'], 503: ['database_unavailable'] },
  },
  'POST /api/admin/users/:id/block': {
    tag: 'admin', summary: "Block a player: plays, logins and refreshes refused 403 account_blocked, refresh tokens revoked, open sockets closed 4003 on every instance", access: 'admin',
    body: ReasonBody,
    ok: { status: 200, description: 'blocked (recorded in the audit log)', schema: UserResponse },
    errors: { 400: ['invalid_reason', 'invalid_user_id', 'cannot_block_self'], 404: ['user_not_found'], 503: ['database_unavailable'] },
  },
  'POST /api/admin/users/:id/unblock': {
    tag: 'admin', summary: 'Unblock a player (they log in again)', access: 'admin',
    body: ReasonBody,
    ok: { status: 200, description: 'active again (recorded in the audit log)', schema: UserResponse },
    errors: { 400: ['invalid_reason', 'invalid_user_id'], 404: ['user_not_found'], 503: ['database_unavailable'] },
  },
  'POST /api/admin/users/:id/disconnect': {
    tag: 'admin', summary: "Close a player's sockets on every instance with 4004 (they may reconnect)", access: 'admin',
    body: ReasonBody,
    ok: { status: 200, description: 'how many sockets were closed (recorded in the audit log)', schema: DisconnectResponse },
    errors: { 400: ['invalid_reason', 'invalid_user_id'], 404: ['user_not_found'], 503: ['broker_unavailable', 'database_unavailable'] },
  },
  'GET /api/admin/audit': {
    tag: 'admin', summary: "The admins' actions, newest first (append-only)", access: 'admin',
    query: AuditQuery,
    ok: { status: 200, description: 'a page; pass next_before back as before for the next one', schema: AuditPage },
    errors: { 400: ['invalid_limit', 'invalid_before', 'invalid_user_id'] },
  },
  'GET /api/admin/cluster': {
    tag: 'admin', summary: 'The live instances with their sockets, broker and database state', access: 'admin',
    ok: { status: 200, description: 'the cluster as the answering instance knows it', schema: ClusterState },
  },
  'GET /api/games/fairness': { tag: 'fairness', summary: "The caller's seeds: the active seed's hash, the client seed, the next nonce", access: 'user', ok: { status: 200, description: 'the fairness state', schema: FairnessState } },
  'PUT /api/games/fairness/client-seed': {
    tag: 'fairness', summary: 'Set the client seed for the next plays', access: 'user', body: ClientSeedBody,
    ok: { status: 200, description: 'the fairness state', schema: FairnessState },
  },
  'POST /api/games/fairness/rotate': {
    tag: 'fairness', summary: 'Reveal the active server seed and start a new one', access: 'user',
    ok: { status: 200, description: 'the revealed seed and the new state', schema: Rotation },
  },
  'GET /api/games/fairness/revealed': {
    tag: 'fairness', summary: "The caller's revealed seeds, newest first", access: 'user',
    query: t.Object({
      before: t.Optional(t.Integer({ minimum: 1, description: 'a seed id from next_before: seeds revealed before it' })),
      limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'page size (default 20)' })),
    }),
    ok: { status: 200, description: 'a page; pass next_before back as before', schema: RevealedPage },
    errors: { 400: ['invalid_before', 'invalid_limit'] },
  },
  'POST /api/games/fairness/verify': {
    tag: 'fairness', summary: 'Recompute a play from revealed seeds (no account needed)', access: 'public',
    body: VerifyBody,
    ok: { status: 200, description: 'the result that play had', schema: t.Object({ result: t.Object({ payout: t.Number() }, { additionalProperties: true }) }) },
    errors: { 400: ['invalid_params', 'invalid_bet', 'invalid_choice', 'invalid_cashout'], 429: ['rate_limited'] },
  },
  'GET /ready': {
    tag: 'operations', summary: 'Readiness: the database (and Redis, where configured) answer', access: 'public',
    ok: { status: 200, description: 'ready', schema: t.Object({ status: t.Literal('ready') }, { additionalProperties: true }) },
    errors: { 503: ['not_ready'] },
  },
  'GET /metrics': {
    tag: 'operations', summary: 'Prometheus metrics (public unless METRICS_TOKEN is set; then Authorization: Bearer <METRICS_TOKEN>)', access: 'public',
    ok: { status: 200, description: 'Prometheus text format (docs/API.md lists every metric)', mediaType: 'text/plain', schema: t.String() },
    errors: { 401: ['unauthorized'] },
  },
  'GET /monitor': page('The live monitor page (admins log in on it)', 'text/html'),
  'GET /monitor/assets/:name': {
    ...page('A file of the monitor page', 'application/octet-stream'),
    path: { name: 'a file the page loads, e.g. monitor.js' },
    errors: { 404: ['not_found'] },
  },
  'GET /openapi': page('This document as a page', 'text/html'),
  'GET /openapi/json': page('This document', 'application/json'),
  'GET /asyncapi.json': page('AsyncAPI 3 document of the WebSocket streams', 'application/json'),
};
