import type { GameType as WireGameType } from '../../client/protocol/games';
import { crash } from './crash';
import { gacha } from './gacha';
import type { Game } from './game';
import { rps } from './rps';
import { slot } from './slot';

/**
 * Every game the server offers: the one list of games. Routes, `GET /api/games`, the monitor
 * feed's and history's filters, the OpenAPI and AsyncAPI documents and the monitor page (through
 * `GET /api/games`) all take it from here. A new game is its own file and one entry here (and,
 * for clients, its entry in client/protocol/games.ts, its method in client/rest.ts and its
 * mapping in client/fairness.ts: README, "Adding a game").
 */
const catalogue = [slot, rps, gacha, crash] as const satisfies readonly Game<Record<string, unknown>, string>[];

/** A game's name on the wire, `game_type`: one of the catalogue's. */
export type GameType = (typeof catalogue)[number]['type'];
export const games: readonly Game[] = catalogue;
export const GAME_TYPES: readonly GameType[] = games.map((game) => game.type);

/**
 * The wire contract (client/protocol/games.ts) must name exactly the catalogue's games: a game
 * added to one and not the other fails to compile here, naming the difference.
 */
type Missing<A, B> = Exclude<A, B> extends never ? true : { missing: Exclude<A, B> };
export const WIRE_NAMES_EVERY_GAME: Missing<GameType, WireGameType> = true;
export const CATALOGUE_HAS_EVERY_WIRE_GAME: Missing<WireGameType, GameType> = true;
