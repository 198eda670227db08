/**
 * scripts/layers.ts, the floors check .ci/run runs: src/ passes it as it stands, with no known
 * offence left, and a tree with an import going up a floor, or two folders importing each other,
 * fails it with the offending imports named.
 */
import { afterEach, describe, expect, it } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkLayers, KNOWN, KNOWN_CYCLES } from '../../scripts/layers';

const ROOT = join(import.meta.dir, '..', '..');
let fixture: string | undefined;
afterEach(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true });
  fixture = undefined;
});

/** A tree laid out like src/: each file's text by its path. */
function tree(files: Record<string, string>): string {
  fixture = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(fixture, path)), { recursive: true });
    writeFileSync(join(fixture, path), text);
  }
  return fixture;
}

async function run(...args: string[]): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(['bun', 'scripts/layers.ts', ...args], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: stdout + stderr };
}

describe('the floors check', () => {
  it('passes on src/ as it stands', async () => {
    const { code, output } = await run();
    expect(output).toContain('floors hold');
    expect(code).toBe(0);
  });

  it('fails on an import from the ground floor up to realtime, naming the import and both floors', async () => {
    const root = tree({
      'money.ts': 'export const cents = 1;\n',
      'realtime/events.ts': "import { cents } from '../money';\nexport const event = cents;\n",
      'games/slot.ts': "import { event } from '../realtime/events';\nimport type { cents } from '../money';\nexport const slot = event;\n",
    });
    const { code, output } = await run(root);
    expect(code).toBe(1);
    expect(output).toContain('upward import: games/slot.ts (games, floor 1) imports realtime/events.ts (realtime, floor 3)');
    expect(output).not.toContain('money.ts (');
  });

  it('counts type-only imports, re-exports and dynamic imports, and resolves a folder to its index.ts', () => {
    const root = tree({
      'realtime/index.ts': 'export type Hub = {};\n',
      'wallet/a.ts': "import type { Hub } from '../realtime';\n",
      'wallet/b.ts': "export { Hub } from '../realtime/index';\n",
      'wallet/c.ts': "export const later = () => import('../realtime/index.ts');\n",
    });
    expect(checkLayers(root, {}, {}).upward).toEqual(['wallet/a.ts -> realtime/index.ts', 'wallet/b.ts -> realtime/index.ts', 'wallet/c.ts -> realtime/index.ts']);
  });

  it('fails on two folders of one floor that import each other, naming the imports that close the cycle', async () => {
    const root = tree({
      'storage/index.ts': "import { nonce } from '../fairness/seeds';\nexport const db = nonce;\n",
      'fairness/seeds.ts': "import { db } from '../storage/index';\nexport const nonce = 1;\nexport const x = db;\n",
      'wallet/ledger.ts': "import { db } from '../storage';\nexport const ledger = db;\n",
    });
    const { code, output } = await run(root);
    expect(code).toBe(1);
    expect(output).toContain('folder cycle: fairness <-> storage, through fairness/seeds.ts -> storage/index.ts; storage/index.ts -> fairness/seeds.ts');
    expect(output).not.toContain('wallet');
  });

  it('fails on a folder given no floor, and on a known offence that no longer happens', () => {
    const root = tree({ 'newthing/a.ts': 'export const a = 1;\n', 'games/b.ts': 'export const b = 1;\n' });
    const report = checkLayers(root, { 'games/b.ts -> realtime/x.ts': 'fixed since' }, {});
    expect(report.unplaced).toEqual(['newthing']);
    expect(report.stale).toEqual(['games/b.ts -> realtime/x.ts']);
  });

  it('knows no offence of src/: every upward import and folder cycle it once listed is gone', () => {
    expect(KNOWN).toEqual({});
    expect(KNOWN_CYCLES).toEqual({});
  });
});
