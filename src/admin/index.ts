/**
 * The back office's routes under `/api/admin` (admins only: `401` without a token, `403
 * forbidden` for a player): period totals from the ledger, players found by id or name, a
 * player's profile, the actions on a player (adjust, block, unblock, disconnect), the audit
 * log and the cluster's state. Query strings are read by the services (not as the routes'
 * schemas, which would answer `invalid_body`), so each bad parameter gets its own code.
 */
import type { SQL } from 'bun';
import { Elysia } from 'elysia';
import { adminGuard } from '../auth';
import type { RefreshTokenStore } from '../auth/refresh-tokens';
import type { TokenService } from '../access-tokens';
import type { ClusterControl } from '../realtime/control';
import type { Hub } from '../realtime/hub';
import type { Dialect } from '../storage';
import type { Ledger } from '../wallet/ledger';
import { AdminActions } from './actions';
import { AuditLog } from './audit';
import { AdjustBody, ReasonBody, type ClusterState, type UsersResponse } from '../../client/protocol/admin';
import { Stats } from './stats';
import { parseUserId, Players } from './users';

export type AdminDeps = {
  sql: SQL;
  dialect: Dialect;
  tokens: TokenService;
  ledger: Ledger;
  refreshTokens: RefreshTokenStore;
  control: ClusterControl;
  /** The broker's name and state, as the hub knows them. */
  broker: Pick<Hub, 'brokerName' | 'isConnected'>;
  onAfterCommitError?: (what: string, error: unknown) => void;
  now?: () => number;
};

const json = (body: string, replayed: boolean) =>
  new Response(body, { headers: { 'content-type': 'application/json', ...(replayed ? { 'idempotent-replayed': 'true' } : {}) } });

export const adminController = (deps: AdminDeps) => {
  const { sql, tokens, control, broker } = deps;
  const stats = new Stats(sql);
  const players = new Players(sql);
  const audit = new AuditLog(sql);
  const actions = new AdminActions({ ...deps, players, isBrokerConnected: () => broker.isConnected });
  const cluster = async (): Promise<ClusterState> => {
    const database = await sql`SELECT 1`.then(() => true, () => false);
    return { instances: control.liveNodes(), broker: { name: broker.brokerName, connected: broker.isConnected }, database: { dialect: deps.dialect, ok: database } };
  };
  return new Elysia({ name: 'admin', prefix: '/api/admin' })
    .use(adminGuard(tokens))
    .get('/stats', ({ query }) => stats.period(query))
    .get('/users', async ({ query }): Promise<UsersResponse> => ({ users: await players.find(query) }))
    .get('/users/:id', ({ params }) => players.profile(parseUserId(params.id)))
    .post(
      '/users/:id/adjust',
      async ({ auth, params, body, headers }) => {
        const { body: text, replayed } = await actions.adjust(auth.userId, parseUserId(params.id), body, headers['idempotency-key']);
        return json(text, replayed);
      },
      { body: AdjustBody },
    )
    .post('/users/:id/block', ({ auth, params, body }) => actions.block(auth.userId, parseUserId(params.id), body.reason), { body: ReasonBody })
    .post('/users/:id/unblock', ({ auth, params, body }) => actions.unblock(auth.userId, parseUserId(params.id), body.reason), { body: ReasonBody })
    .post('/users/:id/disconnect', ({ auth, params, body }) => actions.disconnect(auth.userId, parseUserId(params.id), body.reason), { body: ReasonBody })
    .get('/audit', ({ query }) => audit.page(query))
    .get('/cluster', cluster);
};
