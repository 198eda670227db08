/**
 * Each game's stated return to player is checked twice: exactly, by enumerating every outcome
 * with its probability, and by simulating many seeded plays through the game's own `play`.
 */
import { describe, expect, it } from 'bun:test';
import { games } from '../../src/games/catalogue';
import { crash, crashPointHundredths } from '../../src/games/crash';
import { gacha, RARITIES } from '../../src/games/gacha';
import type { Game } from '../../src/games/game';
import { seededRng } from '../../src/games/rng';
import { CHOICES } from '../../client/protocol/games';
import { rps, rpsOutcome } from '../../src/games/rps';
import { slot, slotMultiplier, SYMBOLS } from '../../src/games/slot';

const BET_MINOR = 100;

/** Exact distribution of the payout multiplier (payout / bet) as [probability, multiplier] pairs. */
function slotDistribution(): [number, number][] {
  const total = SYMBOLS.reduce((sum, s) => sum + s.weight, 0);
  const out: [number, number][] = [];
  for (const a of SYMBOLS) for (const b of SYMBOLS) for (const c of SYMBOLS) {
    out.push([(a.weight * b.weight * c.weight) / total ** 3, slotMultiplier([a.name, b.name, c.name]) / 100]);
  }
  return out;
}

function rpsDistribution(): [number, number][] {
  const multiplier = { win: 1.94, draw: 1, lose: 0 };
  return CHOICES.map((house) => [1 / CHOICES.length, multiplier[rpsOutcome('rock', house)]]);
}

function gachaDistribution(): [number, number][] {
  return RARITIES.map((tier) => [tier.perMille / 1000, tier.multiplier / 100]);
}

const mean = (d: [number, number][]) => d.reduce((sum, [p, m]) => sum + p * m, 0);
const stdDev = (d: [number, number][]) => Math.sqrt(d.reduce((sum, [p, m]) => sum + p * m * m, 0) - mean(d) ** 2);

function simulate(game: Game, input: Record<string, unknown>, plays: number, seed: number): number {
  const rng = seededRng(seed);
  let paid = 0;
  for (let i = 0; i < plays; i++) paid += game.play(input, BET_MINOR, rng).payoutMinor;
  return paid / (plays * BET_MINOR);
}

describe('return to player', () => {
  const exact: [Game, Record<string, unknown>, [number, number][]][] = [
    [slot, { bet: 1 }, slotDistribution()],
    [rps, { bet: 1, choice: 'rock' }, rpsDistribution()],
    [gacha, { bet: 1 }, gachaDistribution()],
  ];

  for (const [game, input, distribution] of exact) {
    it(`${game.type}: the stated RTP is the exact expectation`, () => {
      expect(mean(distribution)).toBeCloseTo(game.rtp, 10);
      expect(distribution.reduce((sum, [p]) => sum + p, 0)).toBeCloseTo(1, 12);
    });

    it(`${game.type}: a seeded simulation holds the stated RTP`, () => {
      const plays = 400_000;
      const tolerance = (4 * stdDev(distribution)) / Math.sqrt(plays);
      expect(Math.abs(simulate(game, input, plays, 7) - game.rtp)).toBeLessThan(tolerance);
    });
  }

  it('rps: the RTP is the same whichever hand the player picks', () => {
    for (const choice of CHOICES) {
      expect(Math.abs(simulate(rps, { bet: 1, choice }, 200_000, 11) - rps.rtp)).toBeLessThan(0.01);
    }
  });

  it('crash: P(crash point ≥ c) = 0.99 / c, so every cashout target returns 0.99', () => {
    const steps = 1_000_000;
    for (const target of [101, 150, 200, 1000, 10_000]) {
      let reached = 0;
      // u on an even grid over [0, 1): the exact distribution up to the grid's resolution.
      for (let i = 0; i < steps; i++) if (crashPointHundredths(i / steps) >= target) reached++;
      expect((reached / steps) * (target / 100)).toBeCloseTo(crash.rtp, 3);
    }
  });

  for (const cashout of [1.01, 2, 10]) {
    it(`crash: a seeded simulation at cashout ${cashout} holds the stated RTP`, () => {
      const p = 0.99 / cashout;
      const distribution: [number, number][] = [[p, cashout], [1 - p, 0]];
      const plays = 300_000;
      const tolerance = (4 * stdDev(distribution)) / Math.sqrt(plays);
      expect(Math.abs(simulate(crash, { bet: 1, cashout }, plays, 3) - crash.rtp)).toBeLessThan(tolerance);
    });
  }

  it('every game in the catalogue states an RTP below 1', () => {
    expect(games.map((g) => g.type).sort()).toEqual(['crash', 'gacha', 'rps', 'slot']);
    for (const game of games) {
      expect(game.rtp).toBeGreaterThan(0.9);
      expect(game.rtp).toBeLessThan(1);
    }
  });
});
