import { describe, expect, it } from 'bun:test';
import { fromMinor, scaleMinor, toMinor } from '../src/money';

describe('money in minor units', () => {
  it('turns amounts with up to two decimals into whole cents, float noise included', () => {
    expect(toMinor(10)).toBe(1000);
    expect(toMinor(0.29)).toBe(29); // 0.29 * 100 is 28.999999999999996
    expect(toMinor(1.1)).toBe(110);
    expect(toMinor(0.01)).toBe(1);
    expect(toMinor(123456.78)).toBe(12345678);
  });

  it('refuses a third decimal and amounts past safe integers', () => {
    expect(toMinor(0.291)).toBeUndefined();
    expect(toMinor(0.001)).toBeUndefined();
    expect(toMinor(1e308)).toBeUndefined();
    expect(toMinor(Number.NaN)).toBeUndefined();
    expect(toMinor(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('round-trips every cent amount below 10,000 exactly', () => {
    for (let cents = 0; cents < 1_000_000; cents += 7) expect(toMinor(fromMinor(cents))).toBe(cents);
  });

  it('sums cents without drift where floats would', () => {
    let cents = 0;
    for (let i = 0; i < 1000; i++) cents += toMinor(0.1)!;
    expect(fromMinor(cents)).toBe(100);
  });

  it('scales by a ratio and rounds down to the cent', () => {
    expect(scaleMinor(1000, 194, 100)).toBe(1940);
    expect(scaleMinor(1, 50, 100)).toBe(0);
    expect(scaleMinor(333, 150, 100)).toBe(499);
    expect(scaleMinor(Number.MAX_SAFE_INTEGER, 1, 1)).toBe(Number.MAX_SAFE_INTEGER);
  });
});
