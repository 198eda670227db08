/**
 * The rules a play's body passes before anything is drawn, for a play and for a verification
 * alike: the bet (positive, at most two decimals, within the limits) and the game's own rule.
 * On the ground floor with the games: the play route and the fairness verifier both ask it.
 */
import { toMinor } from '../money';
import type { Game } from './game';

export type BetLimits = { minBet: number; maxBet: number };
export type BetRefusal = { code: string; message: string };

/** A bet in minor units, or why it is refused (`invalid_bet`). */
function parseBet(bet: unknown, limits: BetLimits): number | BetRefusal {
  const isPositiveFinite = typeof bet === 'number' && Number.isFinite(bet) && bet > 0;
  if (!isPositiveFinite) return { code: 'invalid_bet', message: 'bet must be a positive finite number' };
  const minor = toMinor(bet);
  if (minor === undefined) return { code: 'invalid_bet', message: 'bet has at most two decimals' };
  if (bet < limits.minBet || bet > limits.maxBet) return { code: 'invalid_bet', message: `bet must be between ${limits.minBet} and ${limits.maxBet}` };
  return minor;
}

/** The bet in minor units, or the refusal of the bet or of the game's own rule. */
export function checkBet(game: Game, body: Record<string, unknown>, limits: BetLimits): number | BetRefusal {
  const betMinor = parseBet(body.bet, limits);
  if (typeof betMinor !== 'number') return betMinor;
  return game.check?.(body) ?? betMinor;
}
