/**
 * The games controller: one POST route per game in the catalogue, all behind the auth guard;
 * and the public list of the games (`GET /api/games`), from the same catalogue.
 */
import { Elysia } from 'elysia';
import { authGuard } from '../auth';
import type { TokenService } from '../access-tokens';
import { games } from '../games/catalogue';
import type { GamesResponse } from '../../client/protocol/games';
import type { GameService } from './service';

/** The catalogue as clients read it; the body schemas as plain JSON Schema (TypeBox's own symbols dropped). */
const LISTING: GamesResponse = {
  games: games.map((game) => ({ game_type: game.type, route: `/api/games/${game.path}`, input: JSON.parse(JSON.stringify(game.body)), rule: game.rule, rtp: game.rtp })),
};

export const gameListController = () => new Elysia({ name: 'game-list' }).get('/api/games', () => LISTING);

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
