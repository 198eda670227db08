/** The history controller: a user's own past events, and every user's for admins. */
import { Elysia } from 'elysia';
import { adminGuard, authGuard } from '../auth';
import type { TokenService } from '../access-tokens';
import { AdminEventsQuery, HistoryQuery } from './model';
import type { HistoryService } from './service';

const json = (text: string) => new Response(text, { headers: { 'content-type': 'application/json' } });

export const historyController = (service: HistoryService, tokens: TokenService) =>
  new Elysia({ name: 'history' })
    .use(
      new Elysia({ name: 'history-own' })
        .use(authGuard(tokens))
        .get('/api/games/history', async ({ auth, query }) => json(await service.own(auth.userId, query)), { query: HistoryQuery }),
    )
    .use(
      new Elysia({ name: 'history-admin' })
        .use(adminGuard(tokens))
        .get('/api/admin/events', async ({ query }) => json(await service.all(query)), { query: AdminEventsQuery }),
    );
