import { crash } from './crash';
import { gacha } from './gacha';
import type { Game } from './game';
import { rps } from './rps';
import { slot } from './slot';

/** Every game the server offers; routes and tests iterate over this list. */
export const games: readonly Game[] = [slot, rps, gacha, crash];

