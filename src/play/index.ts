/** The games controller: one POST route per game in the catalogue, all behind the auth guard. */
import { Elysia } from 'elysia';
import { authGuard } from '../auth';
import type { TokenService } from '../auth/tokens';
import { games } from '../games/catalogue';
import type { GameService } from './service';

export const gamesController = (service: GameService, tokens: TokenService) => {
  const app = new Elysia({ name: 'games', prefix: '/api/games' }).use(authGuard(tokens));
  for (const game of games) {
    app.post(
      `/${game.path}`,
      async ({ auth, body, headers }) => {
        const played = await service.play(auth.userId, game, body, headers['idempotency-key']);
        const replayHeader: Record<string, string> = played.replayed ? { 'idempotent-replayed': 'true' } : {};
        return new Response(played.body, { headers: { 'content-type': 'application/json', ...replayHeader } });
      },
      { body: game.body },
    );
  }
  return app;
};
