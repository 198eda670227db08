/**
 * The fairness controller (/api/games/fairness): the player's seeds behind the auth guard, and
 * `verify`, which needs no account and is limited per address instead.
 */
import { Elysia } from 'elysia';
import type { AddressOf } from '../client-address';
import { authGuard } from '../auth';
import type { TokenService } from '../access-tokens';
import { ClientSeedBody, RevealedQuery, VerifyBody } from '../fairness/model';
import type { FairnessService } from './service';

export const fairnessController = (service: FairnessService, tokens: TokenService, clientAddress: AddressOf) =>
  new Elysia({ name: 'fairness', prefix: '/api/games/fairness' })
    .post('/verify', ({ body, request, server }) => service.verify(body, clientAddress(request, server)), { body: VerifyBody })
    .use(authGuard(tokens))
    // '' not '/': the route is /api/games/fairness (Elysia answers the trailing slash as well).
    .get('', ({ auth }) => service.state(auth.userId))
    .put('/client-seed', ({ auth, body }) => service.setClientSeed(auth.userId, body.client_seed), { body: ClientSeedBody })
    .post('/rotate', ({ auth }) => service.rotate(auth.userId))
    .get('/revealed', ({ auth, query }) => service.revealed(auth.userId, query), { query: RevealedQuery });
