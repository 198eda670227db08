/**
 * `GET /api/admin/users?ids=1,2,3` (admins only): the accounts behind user ids, so a monitor can
 * name the players in a stream that carries only ids.
 */
import { Type as t } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { SQL } from 'bun';
import { Elysia } from 'elysia';
import { adminGuard } from '../auth';
import { User } from '../../client/protocol/auth';
import type { TokenService } from '../auth/tokens';
import { findPublicUsersByIds } from '../auth/users';
import { badRequest } from '../http/errors';

/** At most this many ids a request: one `IN (…)` of bounded size, whatever the client sends. */
const MAX_IDS = 100;

/** 1 to MAX_IDS comma-separated decimal ids, each small enough to be an exact JavaScript number. */
export const UsersQuery = t.Object({
  ids: t.String({ pattern: `^[0-9]{1,15}(,[0-9]{1,15}){0,${MAX_IDS - 1}}$`, description: `1 to ${MAX_IDS} comma-separated user ids, e.g. 1,2,3` }),
});
export type UsersQuery = typeof UsersQuery.static;

export const UsersResponse = t.Object({ users: t.Array(User) });
export type UsersResponse = typeof UsersResponse.static;

const isUsersQuery = TypeCompiler.Compile(UsersQuery);

/** The distinct ids of a query, or undefined when it is not 1 to MAX_IDS decimal ids. */
function parseIds(query: unknown): number[] | undefined {
  if (!isUsersQuery.Check(query)) return undefined;
  return [...new Set(query.ids.split(',').map(Number))];
}

export const adminUsersController = (sql: SQL, tokens: TokenService) =>
  new Elysia({ name: 'admin-users', prefix: '/api/admin' }).use(adminGuard(tokens)).get('/users', async ({ query }): Promise<UsersResponse> => {
    // Checked here rather than as the route's schema: that would answer `invalid_body` for a query.
    const ids = parseIds(query);
    if (!ids) throw badRequest('invalid_ids', `ids: 1 to ${MAX_IDS} comma-separated user ids, e.g. ?ids=1,2,3`);
    return { users: await findPublicUsersByIds(sql, ids) };
  });
