/**
 * Order statistics for the harness. Inputs are not modified; non-finite values (a round that
 * failed is recorded as NaN) are left out.
 */

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN for no data. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(rank);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (upper - lower) * (rank - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Target ÷ reference per round, then the median of those ratios: each ratio compares two runs
 * made a few seconds apart, so drift in the shared machine's load cancels out better than in
 * a ratio of medians taken over the whole run.
 */
export function medianRatio(target: readonly number[], reference: readonly number[]): number {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(target.length, reference.length); i++) {
    const ratio = target[i]! / reference[i]!;
    if (Number.isFinite(ratio)) ratios.push(ratio);
  }
  return median(ratios);
}
