/**
 * Each game's stated RTP holds when it draws from the HMAC stream exactly as plays do: one
 * server seed, one client seed, nonces 0, 1, 2, …. The tolerance is 4 standard errors of the
 * mean payout (sample standard deviation / √n; 200,000 plays put it near ±0.01 for rps, gacha
 * and crash, wider for slot, whose rare 500× line dominates the variance), so a correct game
 * fails about once in 16,000 runs and a mapping that moves an RTP beyond that fails.
 */
import { describe, expect, it } from 'bun:test';
import { hmacRng, newServerSeed } from '../../src/fairness/hmac-rng';
import { crash } from '../../src/games/crash';
import { gacha } from '../../src/games/gacha';
import type { Game } from '../../src/games/game';
import { rps } from '../../src/games/rps';
import { slot } from '../../src/games/slot';

const BET_MINOR = 100;

function simulate(game: Game, input: Record<string, unknown>, plays: number): { mean: number; standardError: number } {
  const serverSeed = newServerSeed();
  let sum = 0;
  let sumOfSquares = 0;
  for (let nonce = 0; nonce < plays; nonce++) {
    const multiple = game.play(input, BET_MINOR, hmacRng({ serverSeed, clientSeed: 'rtp-simulation', nonce })).payoutMinor / BET_MINOR;
    sum += multiple;
    sumOfSquares += multiple * multiple;
  }
  const mean = sum / plays;
  const variance = sumOfSquares / plays - mean * mean;
  return { mean, standardError: Math.sqrt(variance / plays) };
}

describe('return to player through the HMAC stream', () => {
  const cases: [Game, Record<string, unknown>][] = [
    [slot, { bet: 1 }],
    [rps, { bet: 1, choice: 'paper' }],
    [gacha, { bet: 1 }],
    [crash, { bet: 1, cashout: 2 }],
    [crash, { bet: 1, cashout: 1.01 }],
  ];
  for (const [game, input] of cases) {
    it(`${game.type} ${JSON.stringify(input)} holds its stated RTP of ${game.rtp}`, () => {
      const { mean, standardError } = simulate(game, input, 200_000);
      expect(standardError).toBeGreaterThan(0);
      expect(Math.abs(mean - game.rtp)).toBeLessThan(4 * standardError);
    });
  }
});
