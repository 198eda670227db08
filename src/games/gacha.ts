import { GachaBody, GAME_PATHS } from '../../client/protocol/games';
import { scaleMinor } from '../money';
import type { Game } from './game';
import { drawWeighted } from './rng';

/**
 * A pull draws a rarity by chance (per mille), then an item of that rarity uniformly; the
 * rarity sets the payout.
 *
 * RTP = 0.70·0.4 + 0.24·1.5 + 0.05·3 + 0.01·15 = 0.28 + 0.36 + 0.15 + 0.15 = 0.94.
 */
export const RARITIES = [
  { rarity: 'common', perMille: 700, multiplier: 40, items: ['wooden sword', 'leather cap', 'bread', 'torch'] },
  { rarity: 'rare', perMille: 240, multiplier: 150, items: ['silver dagger', 'chain mail', 'healing potion'] },
  { rarity: 'epic', perMille: 50, multiplier: 300, items: ['flame staff', 'griffin mount'] },
  { rarity: 'legendary', perMille: 10, multiplier: 1500, items: ['dragon crown'] },
] as const;

export const gacha: Game<GachaBody, 'gacha'> = {
  type: 'gacha',
  path: GAME_PATHS.gacha,
  body: GachaBody,
  rtp: 0.94,
  rule: 'A pull draws a rarity (common 70 %, rare 24 %, epic 5 %, legendary 1 %) and then an item of it; the rarity pays 0.4, 1.5, 3 or 15 × the bet.',
  play(_input, betMinor, rng) {
    const tier = drawWeighted(rng, RARITIES, (rarity) => rarity.perMille);
    const item = tier.items[rng.int(tier.items.length)]!;
    return {
      result: { rarity: tier.rarity, item, multiplier: tier.multiplier / 100 },
      payoutMinor: scaleMinor(betMinor, tier.multiplier, 100),
    };
  },
};
