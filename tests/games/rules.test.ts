import { describe, expect, it } from 'bun:test';
import { crash } from '../../src/games/crash';
import { gacha, RARITIES } from '../../src/games/gacha';
import { cryptoRng, seededRng, type Rng } from '../../src/games/rng';
import { CHOICES } from '../../client/protocol/games';
import { rps, rpsOutcome } from '../../src/games/rps';
import { slot, slotMultiplier } from '../../src/games/slot';

/** An RNG that replays fixed integer draws, to pin a game's outcome. */
function scripted(ints: number[], floats: number[] = []): Rng {
  return { int: () => ints.shift()!, float: () => floats.shift()! };
}

describe('slot', () => {
  it('pays three of a kind by symbol and half the bet for exactly two cherries', () => {
    expect(slotMultiplier(['seven', 'seven', 'seven'])).toBe(50_000);
    expect(slotMultiplier(['cherry', 'cherry', 'cherry'])).toBe(500);
    expect(slotMultiplier(['cherry', 'lemon', 'cherry'])).toBe(50);
    expect(slotMultiplier(['cherry', 'lemon', 'bell'])).toBe(0);
    expect(slotMultiplier(['lemon', 'lemon', 'bell'])).toBe(0);
  });

  it('draws reels by weight and pays bet × multiplier in whole cents', () => {
    // Weights 7,6,4,2,1: roll 19 is the last slot of "seven".
    const outcome = slot.play({ bet: 2.5 }, 250, scripted([19, 19, 19]));
    expect(outcome.result).toEqual({ reels: ['seven', 'seven', 'seven'], multiplier: 500 });
    expect(outcome.payoutMinor).toBe(125_000);
    const half = slot.play({ bet: 0.01 }, 1, scripted([0, 7, 0]));
    expect(half.result.reels).toEqual(['cherry', 'lemon', 'cherry']);
    expect(half.payoutMinor).toBe(0); // half a cent rounds down: the house keeps fractions
  });
});

describe('rock-paper-scissors', () => {
  it('knows who beats whom', () => {
    expect(rpsOutcome('rock', 'scissors')).toBe('win');
    expect(rpsOutcome('paper', 'rock')).toBe('win');
    expect(rpsOutcome('scissors', 'paper')).toBe('win');
    expect(rpsOutcome('rock', 'paper')).toBe('lose');
    expect(rpsOutcome('paper', 'paper')).toBe('draw');
  });

  it('pays 1.94× on a win, the bet back on a draw, nothing on a loss', () => {
    const house = (choice: (typeof CHOICES)[number]) => scripted([CHOICES.indexOf(choice)]);
    expect(rps.play({ bet: 1, choice: 'rock' }, 1000, house('scissors'))).toEqual({
      result: { choice: 'rock', house_choice: 'scissors', outcome: 'win', multiplier: 1.94 },
      payoutMinor: 1940,
    });
    expect(rps.play({ bet: 1, choice: 'rock' }, 1000, house('rock')).payoutMinor).toBe(1000);
    expect(rps.play({ bet: 1, choice: 'rock' }, 1000, house('paper')).payoutMinor).toBe(0);
  });
});

describe('gacha', () => {
  it('maps the per-mille roll to its rarity and an item of it', () => {
    const legendary = gacha.play({ bet: 1 }, 100, scripted([999, 0]));
    expect(legendary).toEqual({ result: { rarity: 'legendary', item: 'dragon crown', multiplier: 15 }, payoutMinor: 1500 });
    expect(gacha.play({ bet: 1 }, 100, scripted([0, 1])).result).toMatchObject({ rarity: 'common', item: RARITIES[0].items[1] });
    expect(gacha.play({ bet: 1 }, 100, scripted([700, 0])).result.rarity).toBe('rare');
    expect(gacha.play({ bet: 1 }, 100, scripted([940, 0])).result.rarity).toBe('epic');
  });
});

describe('crash', () => {
  it('wins the cashout multiple exactly when the crash point reaches the target', () => {
    // u = 0.505 gives floor(99 / 0.495) = 200: a crash at exactly 2.00.
    expect(crash.play({ bet: 1, cashout: 2 }, 100, scripted([], [0.505]))).toEqual({
      result: { cashout: 2, crash_point: 2, won: true, multiplier: 2 },
      payoutMinor: 200,
    });
    expect(crash.play({ bet: 1, cashout: 2.01 }, 100, scripted([], [0.505])).payoutMinor).toBe(0);
    expect(crash.play({ bet: 1, cashout: 1.01 }, 100, scripted([], [0])).result).toMatchObject({ crash_point: 0.99, won: false });
  });

  it('refuses a cashout with more than two decimals', () => {
    expect(crash.check!({ bet: 1, cashout: 1.015 })?.code).toBe('invalid_cashout');
    expect(crash.check!({ bet: 1, cashout: 1.5 })).toBeUndefined();
  });
});

describe('rng', () => {
  it('a seed gives the same sequence; another seed another', () => {
    const draw = (seed: number) => Array.from({ length: 20 }, ((rng) => () => rng.int(1000))(seededRng(seed)));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  for (const [name, make] of [['crypto', () => cryptoRng()], ['seeded', () => seededRng(5)]] as const) {
    it(`${name}: int(n) stays in [0, n) and covers it evenly; float() in [0, 1)`, () => {
      const rng = make();
      const counts = new Array(6).fill(0);
      for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
      for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
      for (let i = 0; i < 10_000; i++) {
        const x = rng.float();
        expect(x >= 0 && x < 1).toBe(true);
      }
    });
  }
});
