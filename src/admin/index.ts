/**
 * The back office's routes under `/api/admin` (admins only: `401` without a token, `403
 * forbidden` for a player): period totals from the ledger, and the accounts behind user ids.
 */
import type { SQL } from 'bun';
import { Elysia } from 'elysia';
import { adminGuard } from '../auth';
import type { TokenService } from '../auth/tokens';
import { Stats } from './stats';
import { adminUsersController } from './users';

export type AdminDeps = { sql: SQL; tokens: TokenService };

export const adminController = ({ sql, tokens }: AdminDeps) => {
  const stats = new Stats(sql);
  return new Elysia({ name: 'admin' })
    .use(adminUsersController(sql, tokens))
    .use(
      new Elysia({ name: 'admin-stats', prefix: '/api/admin' })
        .use(adminGuard(tokens))
        // The query is read by the service (not as the route's schema, which would answer
        // invalid_body): each bad parameter gets its own code.
        .get('/stats', ({ query }) => stats.period(query)),
    );
};
