/**
 * Turns per-round measurements into the comparison: for every figure, each target's ratio to
 * every other target (median of per-round ratios), then its own median and range.
 */
import { median, medianRatio, quantile } from "./lib/stats.ts";
import type { Measurement } from "./scenarios/context.ts";

interface MeasureSpec {
  label: string;
  better: "higher" | "lower";
  /** Decimals shown for values under 100. */
  digits: number;
  /** Counts such as losses are shown as they are: a ratio of two zeros says nothing. */
  hasRatio: boolean;
  /** Left out of the tables (not the JSON) when zero for every target and round. */
  hiddenWhenZero?: boolean;
  /** The value is itself a ratio within one target (e.g. plays/s with monitors ÷ without): kept as is in the summary. */
  isRatio?: boolean;
}

export const MEASURES: Record<string, MeasureSpec> = {
  plays_per_s: { label: "plays/s", better: "higher", digits: 0, hasRatio: true },
  p50_ms: { label: "latency p50 (ms)", better: "lower", digits: 2, hasRatio: true },
  p99_ms: { label: "latency p99 (ms)", better: "lower", digits: 2, hasRatio: true },
  cpu_us_per_play: { label: "server CPU µs/play", better: "lower", digits: 1, hasRatio: true },
  deliveries_per_s: { label: "deliveries/s", better: "higher", digits: 0, hasRatio: true },
  cpu_us_per_delivery: { label: "server CPU µs/delivery", better: "lower", digits: 2, hasRatio: true },
  kib_per_socket: { label: "server KiB per idle socket", better: "lower", digits: 2, hasRatio: true },
  rss_mib: { label: "server RSS (MiB)", better: "lower", digits: 1, hasRatio: false },
  idle_cpu_percent: { label: "server CPU % while idle", better: "lower", digits: 1, hasRatio: false },
  lost: { label: "events lost", better: "lower", digits: 0, hasRatio: false },
  errors: { label: "failed plays", better: "lower", digits: 0, hasRatio: false, hiddenWhenZero: true },
  ratio_to_play_path: { label: "plays/s ÷ plain play path around it", better: "higher", digits: 3, hasRatio: false, isRatio: true },
  cpu_ratio_to_play_path: { label: "server CPU/play ÷ plain play path around it", better: "lower", digits: 3, hasRatio: false, isRatio: true },
  ratio_to_one_instance: { label: "plays/s ÷ 1 instance on the same store", better: "higher", digits: 3, hasRatio: false, isRatio: true },
  monitor_deliveries_per_play: { label: "monitor deliveries per play", better: "lower", digits: 1, hasRatio: false },
  resume_s: { label: "storm: s until every socket is live", better: "lower", digits: 2, hasRatio: true },
  connected_s: { label: "storm: s until every socket is back", better: "lower", digits: 2, hasRatio: true },
  replayed_s: { label: "storm: s until every replay is in", better: "lower", digits: 2, hasRatio: true },
  resume_cpu_s: { label: "storm: server CPU s", better: "lower", digits: 2, hasRatio: true },
  rss_peak_mib: { label: "storm: server RSS peak (MiB)", better: "lower", digits: 1, hasRatio: true },
  missed: { label: "storm: events missed", better: "lower", digits: 0, hasRatio: false },
  repeated: { label: "storm: events repeated", better: "lower", digits: 0, hasRatio: false },
  storm_failed: { label: "storm: sockets that failed to reconnect", better: "lower", digits: 0, hasRatio: false },
};

export interface RoundRecord {
  round: number;
  target: string;
  measurements: Measurement[];
  errors: string[];
}

export interface SummaryRow {
  section: string;
  measure: string;
  target: string;
  /** One value per round (NaN where that round failed). */
  values: number[];
  median: number;
  min: number;
  max: number;
  /** Target ÷ reference, by reference name. */
  ratios: Record<string, number>;
}

export function summarize(records: RoundRecord[], targets: string[], rounds: number): SummaryRow[] {
  const keys: { section: string; measure: string }[] = [];
  const seen = new Set<string>();
  const values = new Map<string, number[]>(); // "section|measure|target" -> per round
  for (const record of records) {
    for (const { section, measure, value } of record.measurements) {
      const key = `${section}|${measure}`;
      if (!seen.has(key)) {
        seen.add(key);
        keys.push({ section, measure });
      }
      const id = `${key}|${record.target}`;
      if (!values.has(id)) values.set(id, new Array<number>(rounds).fill(NaN));
      values.get(id)![record.round - 1] = value;
    }
  }
  const rows: SummaryRow[] = [];
  for (const { section, measure } of keys) {
    for (const target of targets) {
      const own = values.get(`${section}|${measure}|${target}`) ?? new Array<number>(rounds).fill(NaN);
      const ratios: Record<string, number> = {};
      for (const reference of targets) {
        const theirs = values.get(`${section}|${measure}|${reference}`);
        ratios[reference] = theirs ? medianRatio(own, theirs) : NaN;
      }
      rows.push({ section, measure, target, values: own, median: median(own), min: quantile(own, 0), max: quantile(own, 1), ratios });
    }
  }
  return rows;
}

function formatValue(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "–";
  const decimals = Math.abs(value) >= 100 ? 0 : digits;
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

function formatRatio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "–";
}

function measureLabel(measure: string): string {
  const spec = MEASURES[measure];
  if (!spec) return measure;
  return `${spec.label} ${spec.better === "higher" ? "↑" : "↓"}`;
}

/** Cells of the comparison; a section heading is a row of its own (a plain string). */
function tableCells(rows: SummaryRow[], targets: string[]): { header: string[]; body: (string[] | string)[] } {
  const header = ["measure", "target", ...targets.map((t) => `× ${t}`), "median", "min–max"];
  const body: (string[] | string)[] = [];
  const nonZero = new Set(rows.filter((row) => row.values.some((v) => v !== 0 && !Number.isNaN(v))).map((row) => `${row.section}|${row.measure}`));
  // A target that does not run a scenario (the storm, the monitor cost) has no row there.
  const isShown = (row: SummaryRow) =>
    row.values.some(Number.isFinite) && (!MEASURES[row.measure]?.hiddenWhenZero || nonZero.has(`${row.section}|${row.measure}`));
  let section = "";
  let lastMeasure = "";
  for (const row of rows.filter(isShown)) {
    if (row.section !== section) {
      section = row.section;
      lastMeasure = "";
      body.push(section);
    }
    const spec = MEASURES[row.measure] ?? { digits: 2, hasRatio: false };
    const isFirstOfMeasure = row.measure !== lastMeasure;
    lastMeasure = row.measure;
    body.push([
      isFirstOfMeasure ? measureLabel(row.measure) : "",
      row.target,
      ...targets.map((reference) => (spec.hasRatio ? formatRatio(row.ratios[reference] ?? NaN) : "")),
      formatValue(row.median, spec.digits),
      row.values.filter(Number.isFinite).length > 1 ? `${formatValue(row.min, spec.digits)}–${formatValue(row.max, spec.digits)}` : "",
    ]);
  }
  return { header, body };
}

/** A fixed-width table for the terminal. */
export function formatText(rows: SummaryRow[], targets: string[]): string {
  const { header, body } = tableCells(rows, targets);
  const cells = body.filter((line): line is string[] => typeof line !== "string");
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((line) => line[i]!.length)));
  const render = (line: string[]) =>
    line.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  const out = [render(header), widths.map((w) => "─".repeat(w)).join("  ")];
  for (const line of body) out.push(typeof line === "string" ? `\n${line}` : render(line));
  return out.join("\n");
}

/** The same table in Markdown, for BENCHMARKS.md. */
export function formatMarkdown(rows: SummaryRow[], targets: string[]): string {
  const { header, body } = tableCells(rows, targets);
  const out = [`| ${header.join(" | ")} |`, `| ${header.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`];
  for (const line of body) {
    out.push(typeof line === "string" ? `| **${line}** |${" |".repeat(header.length - 1)}` : `| ${line.join(" | ")} |`);
  }
  return out.join("\n");
}
