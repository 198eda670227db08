import { crash } from './crash';
import { gacha } from './gacha';
import type { Game, GameType } from './game';
import { rps } from './rps';
import { slot } from './slot';

/** Every game the server offers; routes and tests iterate over this list. */
export const games: readonly Game[] = [slot, rps, gacha, crash];

/** Each GameType has its game: a type added to the schema without a game fails to compile here. */
export const gameByType: Record<GameType, Game> = { slot, rps, gacha, crash };
