/**
 * The back office's routes under `/api/admin` (admins only: `401` without a token, `403
 * forbidden` for a player): period totals from the ledger, players found by id or name, a
 * player's profile. Query strings are read by the services (not as the routes' schemas, which
 * would answer `invalid_body`), so each bad parameter gets its own code.
 */
import type { SQL } from 'bun';
import { Elysia } from 'elysia';
import { adminGuard } from '../auth';
import type { TokenService } from '../auth/tokens';
import type { UsersResponse } from './model';
import { Stats } from './stats';
import { parseUserId, Players } from './users';

export type AdminDeps = { sql: SQL; tokens: TokenService };

export const adminController = ({ sql, tokens }: AdminDeps) => {
  const stats = new Stats(sql);
  const players = new Players(sql);
  return new Elysia({ name: 'admin', prefix: '/api/admin' })
    .use(adminGuard(tokens))
    .get('/stats', ({ query }) => stats.period(query))
    .get('/users', async ({ query }): Promise<UsersResponse> => ({ users: await players.find(query) }))
    .get('/users/:id', ({ params }) => players.profile(parseUserId(params.id)));
};
