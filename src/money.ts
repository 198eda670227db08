/**
 * Money is held as integer minor units (hundredths) everywhere inside the server, and turned
 * into a decimal number only at the edge (JSON). Sums of integers never drift.
 */
const MINOR_PER_UNIT = 100;

/** A JSON amount to minor units, or undefined when it has more than two decimals. */
export function toMinor(amount: number): number | undefined {
  const minor = Math.round(amount * MINOR_PER_UNIT);
  // 0.29 * 100 is 28.999999999999996, so round, then accept only when the cents divide back to
  // the very same double (both sides are the nearest double to the exact decimal).
  const isWholeCents = Number.isSafeInteger(minor) && minor / MINOR_PER_UNIT === amount;
  return isWholeCents ? minor : undefined;
}

export function fromMinor(minor: number): number {
  return minor / MINOR_PER_UNIT;
}

/** `minor × numerator / denominator`, rounded down to the cent (the house keeps fractions). */
export function scaleMinor(minor: number, numerator: number, denominator: number): number {
  return Number((BigInt(minor) * BigInt(numerator)) / BigInt(denominator));
}
