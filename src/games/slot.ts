import { GAME_PATHS, SlotBody } from '../../client/protocol/games';
import { scaleMinor } from '../money';
import type { Game } from './game';
import { drawWeighted } from './rng';

/**
 * Three reels of five symbols drawn by weight. Three of a kind pays by symbol; exactly two
 * cherries pay half the bet back.
 *
 * RTP = Σ P(three of s)·pays(s) + P(two cherries)·0.5 = 0.84700 + 0.11944 = 0.9663125 (96.63%),
 * computed exactly over all 20³ weighted reel combinations by the test.
 */
export const SYMBOLS = [
  { name: 'cherry', weight: 7, threeOfAKind: 500 },
  { name: 'lemon', weight: 6, threeOfAKind: 1000 },
  { name: 'bell', weight: 4, threeOfAKind: 2500 },
  { name: 'star', weight: 2, threeOfAKind: 10_000 },
  { name: 'seven', weight: 1, threeOfAKind: 50_000 },
] as const;
/** Multipliers are in hundredths: 500 is 5×. */
export const TWO_CHERRIES = 50;

/** The payout multiplier (hundredths) of a line of reels. */
export function slotMultiplier(reels: readonly string[]): number {
  const [first, second, third] = reels;
  if (first === second && second === third) return SYMBOLS.find((s) => s.name === first)!.threeOfAKind;
  const cherries = reels.filter((reel) => reel === 'cherry').length;
  return cherries === 2 ? TWO_CHERRIES : 0;
}


export const slot: Game<SlotBody, 'slot'> = {
  type: 'slot',
  path: GAME_PATHS.slot,
  body: SlotBody,
  rtp: 0.9663125,
  rule: 'Three reels of cherry, lemon, bell, star and seven, drawn by weight (7, 6, 4, 2, 1 in 20). Three of a kind pays 5, 10, 25, 100 or 500 × the bet; exactly two cherries pay half the bet back.',
  play(_input, betMinor, rng) {
    const reels = [0, 1, 2].map(() => drawWeighted(rng, SYMBOLS, (symbol) => symbol.weight).name);
    const multiplier = slotMultiplier(reels);
    return { result: { reels, multiplier: multiplier / 100 }, payoutMinor: scaleMinor(betMinor, multiplier, 100) };
  },
};
