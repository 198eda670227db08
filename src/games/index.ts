/** The games controller: one POST route per game in the catalogue, all behind the auth guard. */
import { Elysia } from 'elysia';
import { authGuard } from '../auth';
import type { TokenService } from '../auth/tokens';
import { games } from './catalogue';
import type { GameService } from './service';

export const gamesController = (service: GameService, tokens: TokenService) => {
  const app = new Elysia({ name: 'games', prefix: '/api/games' }).use(authGuard(tokens));
  for (const game of games) {
    app.post(
      `/${game.path}`,
      async ({ auth, body, headers }) => {
        const outcome = await service.play(auth.userId, game, body as Record<string, unknown>, headers['idempotency-key']);
        const replayHeader: Record<string, string> = outcome.replayed ? { 'idempotent-replayed': 'true' } : {};
        return new Response(outcome.response, { headers: { 'content-type': 'application/json', ...replayHeader } });
      },
      { body: game.body },
    );
  }
  return app;
};
