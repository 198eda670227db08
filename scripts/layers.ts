/**
 * Checks the floors of src/ (README, "Floors"): a module imports only from its own floor or
 * lower ones, and no two folders import each other, however indirectly. Each import of
 * src/**\/*.ts is read (`import`, `import type`, `export … from`, `import()`), resolved to the
 * file it names, and the two files' units compared; a unit is a folder right under src/
 * (`realtime/broker/redis.ts` belongs to `realtime`) or a file there (`money.ts` is `money`).
 * Imports of anything outside src/ (client/protocol, packages) are not floors' business.
 * Run by .ci/run beside `tsc`:
 *   bun scripts/layers.ts            (prints each offence; exit 1 if there is any)
 *   bun scripts/layers.ts <dir>      (checks another tree laid out like src/, with no known offences)
 */
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Lowest first. Every unit of src/ must be here: a new folder is given its floor on purpose. */
export const FLOORS: readonly (readonly string[])[] = [
  // 1. Ground: money, time, configuration, logging, the game domain; what every floor above
  //    uses of a request and a process: the client's address, the errors, access tokens, metrics.
  ['money', 'clock', 'config', 'log', 'games', 'client-address', 'errors', 'access-tokens', 'metrics', 'build-info'],
  // 2. Storage, fairness, the ledger, the limiters.
  ['storage', 'fairness', 'wallet', 'limits'],
  // 3. Realtime: wire messages, delivery, presence, the socket routes, the backends.
  ['realtime'],
  // 4. Use-cases and routes.
  ['play', 'auth', 'history', 'admin', 'docs', 'observability', 'monitor', 'http', 'fairness-api'],
  // 5. Composition and start-up.
  ['app', 'parts', 'server', 'dependency-wait', 'index'],
];

/*
 * Imports known to go the wrong way, each with the change that removes it, written `from -> to`
 * as the report prints them. None is left (issue 17 moved the http toolkit, the access tokens
 * and the metrics down and the fairness routes up); a new offence is fixed rather than listed.
 * The check fails on an entry that no longer happens, so the lists only shrink.
 */
export const KNOWN: Readonly<Record<string, string>> = {};

/** Folder cycles known, by their units in order, each with the change that ends it. */
export const KNOWN_CYCLES: Readonly<Record<string, string>> = {};

export type Import = { from: string; to: string };
export type Report = {
  /** Imports from a lower floor to a higher one, `from -> to` (paths relative to the root). */
  upward: string[];
  /** Each folder cycle once, as its units in order and the imports that close it. */
  cycles: { units: string[]; imports: string[] }[];
  /** Units with no floor in FLOORS. */
  unplaced: string[];
  /** KNOWN or KNOWN_CYCLES entries that no longer happen (remove them). */
  stale: string[];
};

const floorOf = new Map(FLOORS.flatMap((units, floor) => units.map((unit) => [unit, floor + 1] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative specifier names, as Bun resolves it (`./x` is x.ts or x/index.ts). */
function resolveImport(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** Every import of every source file under `root`, both ends inside `root`. */
export function importsOf(root: string): Import[] {
  const found: Import[] = [];
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      const target = resolveImport(file, fileName);
      if (target && !relative(root, target).startsWith('..')) found.push({ from: relative(root, file), to: relative(root, target) });
    }
  }
  return found;
}

/** `realtime/broker/redis.ts` -> `realtime`; `money.ts` -> `money`. */
export const unitOf = (path: string): string => path.split(sep)[0]!.replace(/\.tsx?$/, '');

/** Strongly connected groups of more than one unit (Tarjan), each with the imports inside it. */
function folderCycles(imports: Import[]): Report['cycles'] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const [a, b] = [unitOf(from), unitOf(to)];
    if (a !== b) (edges.get(a) ?? edges.set(a, new Set()).get(a)!).add(b);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (unit: string) => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit)!);
    stack.push(unit);
    onStack.add(unit);
    for (const next of edges.get(unit) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(unit, Math.min(low.get(unit)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(unit, Math.min(low.get(unit)!, index.get(next)!));
    }
    if (low.get(unit) === index.get(unit)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== unit);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const unit of [...edges.keys()].sort()) if (!index.has(unit)) visit(unit);
  return groups.map((units) => ({
    units,
    imports: imports
      .filter(({ from, to }) => unitOf(from) !== unitOf(to) && units.includes(unitOf(from)) && units.includes(unitOf(to)))
      .map(({ from, to }) => `${from} -> ${to}`)
      .sort(),
  }));
}

export function checkLayers(root: string, known: Readonly<Record<string, string>> = KNOWN, knownCycles: Readonly<Record<string, string>> = KNOWN_CYCLES): Report {
  const imports = importsOf(root);
  const units = new Set(sourceFiles(root).map((file) => unitOf(relative(root, file))));
  const unplaced = [...units].filter((unit) => !floorOf.has(unit)).sort();
  const wrongWay = imports
    .filter(({ from, to }) => (floorOf.get(unitOf(from)) ?? Infinity) < (floorOf.get(unitOf(to)) ?? 0))
    .map(({ from, to }) => `${from} -> ${to}`);
  const upward = [...new Set(wrongWay)].filter((line) => !(line in known)).sort();
  const allCycles = folderCycles(imports);
  const cycleNames = allCycles.map(({ units }) => units.join(' <-> '));
  const cycles = allCycles.filter(({ units }) => !(units.join(' <-> ') in knownCycles));
  const stale = [...Object.keys(known).filter((line) => !wrongWay.includes(line)), ...Object.keys(knownCycles).filter((name) => !cycleNames.includes(name))];
  return { upward, cycles, unplaced, stale };
}

/** The report in words, one offence a line; empty when all is well. */
export function describe(report: Report): string[] {
  const floor = (path: string) => `${unitOf(path)}, floor ${floorOf.get(unitOf(path))}`;
  return [
    ...report.unplaced.map((unit) => `src/${unit} has no floor: add it to FLOORS in scripts/layers.ts`),
    ...report.upward.map((line) => {
      const [from, to] = line.split(' -> ') as [string, string];
      return `upward import: ${from} (${floor(from)}) imports ${to} (${floor(to)})`;
    }),
    ...report.cycles.map(({ units, imports }) => `folder cycle: ${units.join(' <-> ')}, through ${imports.join('; ')}`),
    ...report.stale.map((line) => `no longer happens, remove it from KNOWN or KNOWN_CYCLES in scripts/layers.ts: ${line}`),
  ];
}

if (import.meta.main) {
  // The known offences are src/'s: another tree (a test's fixture) is held to the plain rule.
  const isSrc = process.argv[2] === undefined;
  const root = resolve(process.argv[2] ?? join(import.meta.dir, '..', 'src'));
  const lines = describe(isSrc ? checkLayers(root) : checkLayers(root, {}, {}));
  for (const line of lines) console.log(line);
  if (lines.length > 0) {
    console.log(`${lines.length} offence(s) against the floors: a lower floor imports nothing from a higher one, and no folder cycle`);
    process.exit(1);
  }
  const listed = Object.keys(KNOWN).length + Object.keys(KNOWN_CYCLES).length;
  const known = isSrc && listed > 0 ? ` beyond the ${Object.keys(KNOWN).length} known and ${Object.keys(KNOWN_CYCLES).length} known cycle(s) listed in scripts/layers.ts` : '';
  console.log(`floors hold: ${importsOf(root).length} imports in ${relative(process.cwd(), root) || '.'}, none upward and no folder cycle${known}`);
}
