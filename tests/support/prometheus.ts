/**
 * A small, strict reader of the Prometheus text format 0.0.4: every line must be a comment, a
 * HELP/TYPE line or a sample, and every sample must belong to a declared family, so a scrape
 * that a Prometheus server would reject fails the test that reads it.
 */
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Scrape = {
  samples: Sample[];
  types: Map<string, string>;
  /** The one sample named `name` whose labels include `labels`; throws if there is not exactly one. */
  value(name: string, labels?: Record<string, string>): number;
  /** The samples named `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
};

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`bad labels: {${text}}`);
    labels[match[1]!] = match[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix && name.slice(0, -suffix.length);
  return base && types.get(base) === 'histogram' ? base : undefined;
}

const includes = (labels: Record<string, string>, wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => labels[k] === v);

export function parsePrometheus(text: string): Scrape {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (!name || !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type ?? '')) throw new Error(`bad TYPE line: ${line}`);
      if (types.has(name)) throw new Error(`${name} declared twice`);
      types.set(name, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match;
    if (!familyOf(name!, types)) throw new Error(`${name} has no TYPE line before it`);
    samples.push({ name: name!, labels: parseLabels(labelText), value: parseValue(valueText!) });
  }
  const find = (name: string, labels: Record<string, string> = {}) => samples.filter((s) => s.name === name && includes(s.labels, labels));
  return {
    samples,
    types,
    find,
    value(name, labels = {}) {
      const found = find(name, labels);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0]!.value;
    },
  };
}

/** Fetches and parses `/metrics`, checking its content type. */
export async function scrape(baseUrl: string, token?: string): Promise<Scrape> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain; version=0.0.4')) throw new Error(`/metrics content type: ${type}`);
  return parsePrometheus(await response.text());
}

/** The sum of every sample named `name` whose labels include `labels`, on a fresh scrape (0 when there is none). */
export async function total(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await scrape(baseUrl)).find(name, labels).reduce((sum, sample) => sum + sample.value, 0);
}
