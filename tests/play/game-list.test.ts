/**
 * GET /api/games: the one list of games, from the catalogue, public: each game's route, the
 * body's JSON Schema, the rule and the stated RTP. A client (the typed one here) can offer
 * every game from it, and a body with the listed schema's fields plays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import { GameClient } from '../../client';
import { games } from '../../src/games/catalogue';
import { api } from '../support/client';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('the list of games', () => {
  it('names every game of the catalogue, with its route, body schema, rule and RTP, to anyone', async () => {
    const response = await api(server.url).get('/api/games');
    expect(response.status).toBe(200);
    expect(response.json.games.map((game: any) => [game.game_type, game.route, game.rtp])).toEqual(games.map((game) => [game.type, `/api/games/${game.path}`, game.rtp]));
    for (const listed of response.json.games) {
      expect(listed.rule.length).toBeGreaterThan(20);
      expect(listed.input.type).toBe('object');
      expect(listed.input.required).toContain('bet');
      expect(listed.input.additionalProperties).toBe(false);
    }
  });

  it('is what the typed client reads, and a body its schema accepts plays', async () => {
    const { games: listed } = await new GameClient(server.url).games();
    const player = await api(server.url).signup('lister');
    const bodies: Record<string, unknown> = { slot: { bet: 1 }, rps: { bet: 1, choice: 'rock' }, gacha: { bet: 1 }, crash: { bet: 1, cashout: 2 } };
    expect(listed.map((game) => game.game_type as string).sort()).toEqual(Object.keys(bodies).sort());
    for (const game of listed) {
      const body = bodies[game.game_type];
      // The listed schema names exactly the fields of a valid body, the required ones among them.
      const schema = game.input as { properties: Record<string, unknown>; required: string[] };
      expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(body as object).sort());
      expect(schema.required.every((name) => name in (body as object))).toBe(true);
      const played = await fetch(server.url + game.route, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${player.access_token}` }, body: JSON.stringify(body) });
      expect([game.game_type, played.status]).toEqual([game.game_type, 200]);
    }
  });
});
