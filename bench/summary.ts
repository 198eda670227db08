/**
 * The per-commit trend: every run leaves a small summary (commit, date, load average, the
 * ratios per scenario) that is committed, so a later run can be compared with it and a
 * regression shows in review as a change in %. Ratios, not absolute figures, because only
 * ratios measured in the same run survive this noisy machine (see BENCHMARKS.md).
 *
 * Pure functions; the harness (run.ts) reads and writes the files.
 */
import { MEASURES, type SummaryRow } from "./report.ts";

export interface Summary {
  /** Bumped when the meaning of a key changes, so old files are not compared blindly. */
  version: 1;
  commit: string;
  /** True when src/ had uncommitted changes: the commit alone does not say what ran. */
  dirty: boolean;
  date: string;
  profile: string;
  rounds: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  /**
   * "<section> | <measure> | <target> ÷ <reference>" → median of per-round ratios; for measures
   * that are themselves a ratio within one target (e.g. plays/s with monitors ÷ without),
   * "<section> | <measure> | <target>" → the median value.
   */
  ratios: Record<string, number>;
}

export interface SummaryInput {
  commit: string;
  dirty: boolean;
  date: Date;
  profile: string;
  rounds: number;
  loadAverage: { atStart: number[]; atEnd: number[] };
  rows: SummaryRow[];
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Keeps every finite cross-target ratio and every within-target ratio measure, rounded to 3 decimals. */
export function makeSummary(input: SummaryInput): Summary {
  const ratios: Record<string, number> = {};
  for (const row of input.rows) {
    const spec = MEASURES[row.measure];
    if (spec?.isRatio) {
      if (Number.isFinite(row.median)) ratios[`${row.section} | ${row.measure} | ${row.target}`] = round3(row.median);
      continue;
    }
    if (!spec?.hasRatio) continue;
    for (const [reference, ratio] of Object.entries(row.ratios)) {
      if (reference === row.target || !Number.isFinite(ratio)) continue;
      ratios[`${row.section} | ${row.measure} | ${row.target} ÷ ${reference}`] = round3(ratio);
    }
  }
  const loadAverage = { atStart: input.loadAverage.atStart.map(round3), atEnd: input.loadAverage.atEnd.map(round3) };
  return { version: 1, commit: input.commit, dirty: input.dirty, date: input.date.toISOString(), profile: input.profile, rounds: input.rounds, loadAverage, ratios };
}

/** `summary-<time>-<commit>.json`; quick runs are marked, since their figures are checks, not results. */
export function summaryFileName(summary: Summary): string {
  const time = summary.date.replace(/[:.]/g, "-");
  return `summary-${time}-${summary.commit}${summary.dirty ? "-dirty" : ""}${summary.profile === "quick" ? "-quick" : ""}.json`;
}

/** Checks that a parsed file is a summary this code understands; throws a message naming what is wrong. */
export function parseSummary(text: string, name: string): Summary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const s = value as Partial<Summary>;
  if (typeof s !== "object" || s === null || s.version !== 1) throw new Error(`${name} is not a bench summary (version 1)`);
  if (typeof s.ratios !== "object" || s.ratios === null) throw new Error(`${name} has no ratios`);
  for (const [key, ratio] of Object.entries(s.ratios)) {
    if (typeof ratio !== "number" || !Number.isFinite(ratio)) throw new Error(`${name}: ratio "${key}" is not a number`);
  }
  return s as Summary;
}

export interface ComparisonRow {
  key: string;
  before?: number;
  after?: number;
  /** (after − before) ÷ before in %, when both exist and before is not 0. */
  changePercent?: number;
  /** Whether the change is for the better, given the measure's direction; undefined when unknown or none. */
  better?: boolean;
}

/** The measure of a key ("<section> | <measure> | …"). */
function measureOf(key: string): string | undefined {
  return key.split(" | ")[1];
}

/** Every key of either summary, in the order of the newer one (then keys only the older has). */
export function compareSummaries(before: Summary, after: Summary): ComparisonRow[] {
  const keys = [...Object.keys(after.ratios), ...Object.keys(before.ratios).filter((key) => !(key in after.ratios))];
  return keys.map((key) => {
    const b = before.ratios[key];
    const a = after.ratios[key];
    const row: ComparisonRow = { key, before: b, after: a };
    if (a !== undefined && b !== undefined && b !== 0) {
      row.changePercent = ((a - b) / b) * 100;
      const direction = MEASURES[measureOf(key) ?? ""]?.better;
      if (direction && row.changePercent !== 0) row.better = direction === "higher" ? row.changePercent > 0 : row.changePercent < 0;
    }
    return row;
  });
}

function describe(s: Summary): string {
  const load = `load ${s.loadAverage.atStart[0]?.toFixed(2)} → ${s.loadAverage.atEnd[0]?.toFixed(2)}`;
  return `${s.commit}${s.dirty ? " (src/ modified)" : ""}, ${s.date}, ${s.profile} ×${s.rounds}, ${load}`;
}

/**
 * A fixed-width table of the comparison. Changes beyond `flagPercent` (either way) are marked
 * `!` when worse and `+` when better, so a regression is easy to find in a long list.
 */
export function formatComparison(before: Summary, after: Summary, rows: ComparisonRow[], flagPercent = 10): string {
  const cell = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(3));
  const change = (row: ComparisonRow) => {
    if (row.changePercent === undefined) return row.before === undefined ? "new" : row.after === undefined ? "gone" : "–";
    const sign = row.changePercent > 0 ? "+" : "";
    // The epsilon keeps an exact 10 % flagged: (1.08 − 1.2) ÷ 1.2 is −9.999… in floating point.
    const isFlagged = Math.abs(row.changePercent) >= flagPercent - 1e-9 && row.better !== undefined;
    const flag = isFlagged ? (row.better ? " +" : " !") : "";
    return `${sign}${row.changePercent.toFixed(1)} %${flag}`;
  };
  const width = Math.max(5, ...rows.map((r) => r.key.length));
  const lines = [
    `before: ${describe(before)}`,
    `after:  ${describe(after)}`,
    ...(before.profile !== after.profile ? [`note: different profiles (${before.profile} → ${after.profile}); the ratios are not comparable`] : []),
    "",
    `${"ratio".padEnd(width)}  ${"before".padStart(8)}  ${"after".padStart(8)}  change`,
    ...rows.map((r) => `${r.key.padEnd(width)}  ${cell(r.before).padStart(8)}  ${cell(r.after).padStart(8)}  ${change(r)}`),
    "",
    `! worse, + better by ${flagPercent} % or more (direction from the measure: ↑ or ↓)`,
  ];
  return lines.join("\n");
}
