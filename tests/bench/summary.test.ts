import { describe, expect, test } from 'bun:test';
import { summarize, type RoundRecord } from '../../bench/report';
import { compareSummaries, formatComparison, makeSummary, parseSummary, summaryFileName, type Summary } from '../../bench/summary';

/** Two rounds of two targets, the way the harness records them. */
const records: RoundRecord[] = [
  { round: 1, target: 'ceiling', errors: [], measurements: [{ section: 'play path', measure: 'plays_per_s', value: 1000 }, { section: 'play path', measure: 'lost', value: 0 }] },
  { round: 1, target: 'ours', errors: [], measurements: [{ section: 'play path', measure: 'plays_per_s', value: 700 }, { section: 'play path', measure: 'lost', value: 0 }, { section: 'monitors', measure: 'ratio_to_play_path', value: 0.97 }] },
  { round: 2, target: 'ceiling', errors: [], measurements: [{ section: 'play path', measure: 'plays_per_s', value: 2000 }, { section: 'play path', measure: 'lost', value: 0 }] },
  { round: 2, target: 'ours', errors: [], measurements: [{ section: 'play path', measure: 'plays_per_s', value: 1600 }, { section: 'play path', measure: 'lost', value: 0 }, { section: 'monitors', measure: 'ratio_to_play_path', value: 0.95 }] },
];

const summaryOf = (rows = summarize(records, ['ceiling', 'ours'], 2), commit = 'abc1234') =>
  makeSummary({ commit, dirty: false, date: new Date('2026-11-29T14:00:00.000Z'), profile: 'full', rounds: 2, loadAverage: { atStart: [0.51234, 0.3, 0.1], atEnd: [2, 1, 0.5] }, rows });

const withRatios = (base: Summary, ratios: Record<string, number>): Summary => ({ ...base, ratios });

describe('makeSummary', () => {
  test('keeps each cross-target ratio (median of per-round ratios) and each within-target ratio, not counts', () => {
    const summary = summaryOf();
    expect(summary.ratios).toEqual({
      'play path | plays_per_s | ceiling ÷ ours': 1.339, // median of 1000/700 and 2000/1600
      'play path | plays_per_s | ours ÷ ceiling': 0.75, // median of 0.7 and 0.8
      'monitors | ratio_to_play_path | ours': 0.96,
    });
    expect(summary).toMatchObject({ version: 1, commit: 'abc1234', profile: 'full', rounds: 2, loadAverage: { atStart: [0.512, 0.3, 0.1] } });
  });

  test('names the file by time and commit, marking quick and modified runs', () => {
    const summary = summaryOf();
    expect(summaryFileName(summary)).toBe('summary-2026-11-29T14-00-00-000Z-abc1234.json');
    expect(summaryFileName({ ...summary, dirty: true, profile: 'quick' })).toBe('summary-2026-11-29T14-00-00-000Z-abc1234-dirty-quick.json');
  });
});

describe('parseSummary', () => {
  test('reads back what makeSummary wrote', () => {
    const summary = summaryOf();
    expect(parseSummary(JSON.stringify(summary), 'f.json')).toEqual(summary);
  });

  test.each([
    ['not json', /not JSON/],
    ['{"version":2,"ratios":{}}', /not a bench summary/],
    ['{"version":1}', /no ratios/],
    ['{"version":1,"ratios":{"a | plays_per_s | x ÷ y":"0.7"}}', /is not a number/],
  ])('refuses %s', (text, message) => {
    expect(() => parseSummary(text, 'f.json')).toThrow(message);
  });
});

describe('compareSummaries', () => {
  const before = withRatios(summaryOf(), { 'play path | plays_per_s | ours ÷ ceiling': 0.8, 'play path | p99_ms | ours ÷ ceiling': 1.2, 'old | plays_per_s | ours ÷ ceiling': 1 });
  const after = withRatios(summaryOf(undefined, 'def5678'), { 'play path | plays_per_s | ours ÷ ceiling': 0.6, 'play path | p99_ms | ours ÷ ceiling': 1.08, 'storm | resume_s | ours ÷ socket.io': 0.5 });

  test('gives the change in % and whether it is for the better, by the measure’s direction', () => {
    const rows = compareSummaries(before, after);
    expect(rows.map((r) => r.key)).toEqual(['play path | plays_per_s | ours ÷ ceiling', 'play path | p99_ms | ours ÷ ceiling', 'storm | resume_s | ours ÷ socket.io', 'old | plays_per_s | ours ÷ ceiling']);
    expect(rows[0]!.changePercent).toBeCloseTo(-25, 9);
    expect(rows[0]!.better).toBe(false); // fewer plays/s is worse
    expect(rows[1]!.changePercent).toBeCloseTo(-10, 9);
    expect(rows[1]!.better).toBe(true); // a lower p99 is better
    expect(rows[2]).toEqual({ key: 'storm | resume_s | ours ÷ socket.io', before: undefined, after: 0.5 });
    expect(rows[3]).toEqual({ key: 'old | plays_per_s | ours ÷ ceiling', before: 1, after: undefined });
  });

  test('prints both runs, each change, and flags a regression', () => {
    const text = formatComparison(before, after, compareSummaries(before, after));
    expect(text).toContain('before: abc1234, 2026-11-29T14:00:00.000Z, full ×2, load 0.51 → 2.00');
    expect(text).toContain('after:  def5678');
    expect(text).toMatch(/play path \| plays_per_s \| ours ÷ ceiling\s+0\.800\s+0\.600\s+-25\.0 % !/);
    expect(text).toMatch(/play path \| p99_ms \| ours ÷ ceiling\s+1\.200\s+1\.080\s+-10\.0 % \+/);
    expect(text).toMatch(/storm \| resume_s \| ours ÷ socket\.io\s+–\s+0\.500\s+new/);
    expect(text).toMatch(/old \| plays_per_s \| ours ÷ ceiling\s+1\.000\s+–\s+gone/);
  });

  test('warns when the two runs used different profiles', () => {
    const text = formatComparison(before, { ...after, profile: 'quick' }, compareSummaries(before, after));
    expect(text).toContain('different profiles (full → quick)');
  });
});
