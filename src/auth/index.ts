/** The auth controller (/api/auth) and the guard that turns a bearer token into a user. */
import { Elysia } from 'elysia';
import { unauthorized } from '../http/errors';
import { Credentials, LoginBody, RefreshBody } from './model';
import type { AuthService } from './service';
import { bearerToken, type TokenService } from './tokens';

/** Resolves `auth` ({ userId, role, expiresAt }) for every route registered after it; 401 otherwise. */
export const authGuard = (tokens: TokenService) =>
  new Elysia({ name: 'auth-guard' }).resolve({ as: 'scoped' }, async ({ headers }) => {
    const auth = await tokens.verify(bearerToken(headers.authorization));
    if (!auth) throw unauthorized();
    return { auth };
  });

export const authController = (service: AuthService, tokens: TokenService) =>
  new Elysia({ name: 'auth', prefix: '/api/auth' })
    .post('/signup', async ({ body, set }) => {
      set.status = 201;
      return service.signup(body);
    }, { body: Credentials })
    .post('/login', ({ body, request, server }) => service.login(body, server?.requestIP(request)?.address ?? 'unknown'), { body: LoginBody })
    .post('/refresh', ({ body }) => service.refresh(body.refresh_token), { body: RefreshBody })
    .post('/logout', async ({ body, set }) => {
      await service.logout(body.refresh_token);
      set.status = 204;
    }, { body: RefreshBody })
    .use(authGuard(tokens))
    .get('/me', ({ auth }) => service.me(auth.userId));
