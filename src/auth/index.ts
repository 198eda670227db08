/** The auth controller (/api/auth) and the guard that turns a bearer token into a user. */
import type { AddressOf } from '../client-address';
import { Elysia } from 'elysia';
import type { Server } from 'bun';
import { bearerRefused, forbidden, tooManyRequests } from '../errors';
import type { SharedRateLimiter } from '../limits/shared-limits';
import { Credentials, LoginBody, RefreshBody } from '../../client/protocol/auth';
import type { AuthService } from './service';
import { bearerToken, type TokenService } from '../access-tokens';

/** The claims of a request's bearer token; 401 without a valid one. */
async function authenticate(tokens: TokenService, authorization: string | undefined) {
  const auth = await tokens.check(bearerToken(authorization));
  if (typeof auth === 'string') throw bearerRefused(auth);
  return auth;
}

/**
 * Derives `auth` ({ userId, role, expiresAt }) for every route registered after it; 401
 * otherwise. `derive`, not `resolve`: resolve runs after body validation, so a request with no
 * token and a bad body would get 400 instead of 401.
 */
export const authGuard = (tokens: TokenService) =>
  new Elysia({ name: 'auth-guard' }).derive({ as: 'scoped' }, async ({ headers }) => ({ auth: await authenticate(tokens, headers.authorization) }));

/**
 * `authGuard`'s check, then 403 for anyone who is not an admin. One derive, not a `.use` of
 * authGuard: a scoped hook lifts one level only, so authGuard's `auth` would stop at this
 * plugin and never reach the routes that use it.
 */
export const adminGuard = (tokens: TokenService) =>
  new Elysia({ name: 'admin-guard' }).derive({ as: 'scoped' }, async ({ headers }) => {
    const auth = await authenticate(tokens, headers.authorization);
    if (auth.role !== 'admin') throw forbidden('this endpoint is for admins only');
    return { auth };
  });

/**
 * `perAddress` caps sign-ups, logins and refreshes per client address: each costs a password
 * hash or a database write, so one client can neither mint accounts in bulk nor keep the
 * hashing pool busy. The app owns it (and closes it).
 */
export const authController = (service: AuthService, tokens: TokenService, perAddress: SharedRateLimiter, clientAddress: AddressOf) => {
  const limitByAddress = async ({ request, server }: { request: Request; server: Server<unknown> | null }) => {
    const retryAfter = await perAddress.take(clientAddress(request, server));
    if (retryAfter !== undefined) throw tooManyRequests('too many account requests from this address; try again later', retryAfter);
  };
  return new Elysia({ name: 'auth', prefix: '/api/auth' })
    .post('/signup', async ({ body, set }) => {
      set.status = 201;
      return service.signup(body);
    }, { body: Credentials, beforeHandle: limitByAddress })
    .post('/login', ({ body, request, server }) => service.login(body, clientAddress(request, server)), { body: LoginBody, beforeHandle: limitByAddress })
    .post('/refresh', ({ body }) => service.refresh(body.refresh_token), { body: RefreshBody, beforeHandle: limitByAddress })
    .post('/logout', async ({ body, set }) => {
      await service.logout(body.refresh_token);
      set.status = 204;
    }, { body: RefreshBody })
    .use(authGuard(tokens))
    .get('/me', ({ auth }) => service.me(auth.userId));
};
