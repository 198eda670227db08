import { CrashBody, GAME_PATHS, MAX_CASHOUT, MIN_CASHOUT } from '../../client/protocol/games';
import { scaleMinor } from '../money';
import type { Game } from './game';

/**
 * The multiplier climbs from 1.00 and crashes at a point drawn as floor(99 / (1 − u)) / 100 for
 * u uniform in [0, 1), so P(crash point ≥ m) = 0.99 / m for any m ≥ 0.99. A bet with a cashout
 * target c wins c × bet when the crash point reaches c.
 *
 * RTP = c · P(crash ≥ c) = 0.99 for every target (less the cent rounding). The cashout's
 * range (MIN_CASHOUT..MAX_CASHOUT) is part of the body's schema.
 *
 * The crash point in hundredths (99 means it crashed at 0.99, before any cashout).
 */
export function crashPointHundredths(u: number): number {
  return Math.floor(99 / (1 - u));
}

export const crash: Game<CrashBody, 'crash'> = {
  type: 'crash',
  path: GAME_PATHS.crash,
  body: CrashBody,
  rtp: 0.99,
  rule: 'The multiplier climbs from 1.00 and crashes at a random point (P(crash ≥ m) = 0.99 / m). Name a cashout from 1.01 to 1000: if the crash point reaches it, you win cashout × bet; else nothing.',
  check({ cashout }) {
    const hundredths = Math.round(cashout * 100);
    if (hundredths / 100 !== cashout) return { code: 'invalid_cashout', message: 'cashout has at most two decimals' };
    return undefined;
  },
  play({ cashout }, betMinor, rng) {
    const target = Math.round(cashout * 100);
    const crashPoint = crashPointHundredths(rng.float());
    const won = crashPoint >= target;
    return {
      result: { cashout, crash_point: crashPoint / 100, won, multiplier: won ? cashout : 0 },
      payoutMinor: won ? scaleMinor(betMinor, target, 100) : 0,
    };
  },
};
