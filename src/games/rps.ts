import { CHOICES, GAME_PATHS, RpsBody, type Choice } from '../../client/protocol/games';
import { scaleMinor } from '../money';
import type { Game } from './game';

/**
 * Rock-paper-scissors against a uniformly random house hand. A win pays 1.94× the bet, a draw
 * returns the bet, a loss pays nothing.
 *
 * RTP = (1.94 + 1 + 0) / 3 = 0.98.
 */
const WIN_HUNDREDTHS = 194;
const BEATS: Record<Choice, Choice> = { rock: 'scissors', paper: 'rock', scissors: 'paper' };

export function rpsOutcome(choice: Choice, house: Choice): 'win' | 'draw' | 'lose' {
  if (choice === house) return 'draw';
  return BEATS[choice] === house ? 'win' : 'lose';
}

const MULTIPLIER = { win: WIN_HUNDREDTHS, draw: 100, lose: 0 } as const;

export const rps: Game<RpsBody, 'rps'> = {
  type: 'rps',
  path: GAME_PATHS.rps,
  body: RpsBody,
  rtp: 0.98,
  rule: 'Rock, paper or scissors against a uniformly random house hand: a win pays 1.94 × the bet, a draw returns the bet, a loss pays nothing.',
  play({ choice }, betMinor, rng) {
    const house = CHOICES[rng.int(CHOICES.length)]!;
    const outcome = rpsOutcome(choice, house);
    const multiplier = MULTIPLIER[outcome];
    return {
      result: { choice, house_choice: house, outcome, multiplier: multiplier / 100 },
      payoutMinor: scaleMinor(betMinor, multiplier, 100),
    };
  },
};
