/**
 * client/ is a package of its own: it imports nothing from the rest of the repository, and
 * the tarball `bun pm pack` makes installs into a project elsewhere and plays against a real
 * server, from Bun (which loads the TypeScript source) and from Node (which loads the built
 * ES module), with types a project's `tsc` checks.
 */
import { afterAll, beforeAll, expect, it } from 'bun:test';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { startTestServer, tempDir, type TestServer } from '../support/server';

const ROOT = join(import.meta.dir, '..', '..');
const CLIENT = join(ROOT, 'client');
const NODE = '/usr/bin/node';

/** Every .ts file of the package's source (not what a build or an install put there). */
function sourceFiles(dir = CLIENT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIERS = /(?:^|\s)(?:import|export)\s[^;]*?\sfrom\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|^import\s+'([^']+)'/gm;
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

it('imports nothing from outside client/ but the packages it declares', () => {
  const dependencies = Object.keys(JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')).dependencies ?? {});
  const files = sourceFiles();
  expect(files.length).toBeGreaterThan(10);
  const outside: string[] = [];
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const specifier = (match[1] ?? match[2] ?? match[3])!;
      const isRelative = specifier.startsWith('.');
      const isInside = isRelative ? !relative(CLIENT, resolve(dirname(file), specifier)).startsWith('..') : dependencies.includes(packageOf(specifier));
      if (!isInside) outside.push(`${relative(ROOT, file)}: ${specifier}`);
    }
  }
  expect(outside).toEqual([]);
});

it('finds the imports it polices', () => {
  const found = [...readFileSync(join(CLIENT, 'model.ts'), 'utf8').matchAll(SPECIFIERS)].map((m) => m[1] ?? m[2] ?? m[3]);
  expect(found).toContain('@sinclair/typebox');
  expect(found).toContain('./protocol/games');
  expect('import { x } from \'../src/auth/model\';'.match(SPECIFIERS)).not.toBeNull();
});

/** What the player script in the outside project prints: its last line. */
type PlayReport = {
  runtime: string;
  loaded: string;
  user: { id: number; username: string; balance: number };
  spin: { event_id: string; bet: number; balance: number; result: { payout: number; reels: string[] } };
  event: { type: string; event_id: string; game_type: string; user_id: number; bet: number };
  balanceUpdate: { balance: number; event_id: string };
  tokenExpiredCode: number;
};

/** A game's own script: signs up, opens the stream, spins once, and waits for the spin's game_event. */
const PLAYER_SCRIPT = `
import { GameClient } from '@games/client';
import { CloseCode } from '@games/client/protocol';

const [url, username] = process.argv.slice(2);
const client = new GameClient(url);
const { user } = await client.signup(username, 'correct-horse-battery');
const stream = client.stream();
const next = (type) => new Promise((resolve) => { const off = stream.on(type, (message) => { off(); resolve(message); }); });
await next('ws_ack');
const event = next('game_event');
const balanceUpdate = next('balance_update');
const spin = await client.slot({ bet: 2 });
const report = { runtime: typeof Bun === 'undefined' ? 'node' : 'bun', loaded: import.meta.resolve('@games/client'), user, spin, event: await event, balanceUpdate: await balanceUpdate, tokenExpiredCode: CloseCode.TOKEN_EXPIRED };
stream.close();
console.log(JSON.stringify(report));
`;

/** Type-checked by the project's tsc: the package's types are real (an \`any\` would make the expect-error unused). */
const TYPED_SCRIPT = `
import { GameClient, type GameEvent, type PlayResponse } from '@games/client';
import { CloseCode, RpsBody } from '@games/client/protocol';

export async function spin(client: GameClient): Promise<string[]> {
  const played: PlayResponse<'slot'> = await client.slot({ bet: 1 });
  // @ts-expect-error rps takes a choice
  await client.rps({ bet: 1 });
  return played.result.reels;
}
export const payout = (event: GameEvent): number => event.result.payout;
export const codes: number[] = [CloseCode.TOKEN_EXPIRED];
export const body: typeof RpsBody.static = { bet: 1, choice: 'rock' };
`;

let server: TestServer;
let work: string;
let project: string;

beforeAll(async () => {
  server = await startTestServer();
  work = tempDir();
  project = join(work, 'game');
  const packed = join(work, 'packed');
  mkdirSync(project);
  mkdirSync(packed);
  const pack = Bun.spawnSync(['bun', 'pm', 'pack', '--destination', packed], { cwd: CLIENT, stdout: 'pipe', stderr: 'pipe' });
  expect(pack.exitCode, pack.stderr.toString()).toBe(0);
  const tarballs = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
  const { name, version } = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8'));
  expect(tarballs).toEqual([`${name.replace('@', '').replace('/', '-')}-${version}.tgz`]);

  // The tests have no registry: TypeBox, the package's one dependency, comes from the
  // repository's own install (Bun resolves even a cached package through a manifest it does
  // not keep). The package itself is installed from the tarball, as a game's project would.
  const typebox = join(ROOT, 'node_modules', '@sinclair', 'typebox');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-game', private: true, type: 'module', overrides: { '@sinclair/typebox': `file:${typebox}` } }));
  const add = Bun.spawnSync(['bun', 'add', '--offline', join(packed, tarballs[0]!)], { cwd: project, stdout: 'pipe', stderr: 'pipe' });
  expect(add.exitCode, add.stderr.toString()).toBe(0);
  writeFileSync(join(project, 'play.mjs'), PLAYER_SCRIPT);
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('installs from the tarball with its build, its source and none of the repository', () => {
  const installed = join(project, 'node_modules', '@games', 'client');
  const files = readdirSync(installed, { recursive: true }).map(String);
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/protocol/index.js', 'dist/fairness.js', 'index.ts', 'protocol/messages.ts', 'README.md']) expect(files).toContain(file);
  expect(files.filter((file) => file.startsWith('src/') || file.includes('tsconfig'))).toEqual([]);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  expect(Object.keys(manifest.dependencies)).toEqual(['@sinclair/typebox']);
  // The browser build carries everything it needs: no bare import a browser could not resolve.
  const bareImports = files.filter((file) => file.startsWith('dist/') && file.endsWith('.js')).flatMap((file) => [...readFileSync(join(installed, file), 'utf8').matchAll(/from\s*"([^".][^"]*)"/g)].map((m) => `${file}: ${m[1]}`));
  expect(bareImports).toEqual([]);
});

async function play(command: string[], username: string): Promise<PlayReport> {
  const proc = Bun.spawn([...command, 'play.mjs', server.url, username], { cwd: project, stdout: 'pipe', stderr: 'pipe' });
  const timer = setTimeout(() => proc.kill(), 15_000);
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

function expectPlayed(report: PlayReport, username: string): void {
  expect(report.user.username).toBe(username);
  expect(report.spin.bet).toBe(2);
  expect(report.spin.result.reels).toHaveLength(3);
  expect(report.event).toMatchObject({ type: 'game_event', event_id: report.spin.event_id, game_type: 'slot', user_id: report.user.id, bet: 2 });
  expect(report.balanceUpdate).toEqual(expect.objectContaining({ event_id: report.spin.event_id, balance: report.spin.balance }));
  expect(report.spin.balance).toBeCloseTo(report.user.balance - 2 + report.spin.result.payout, 2);
  expect(report.tokenExpiredCode).toBe(4001);
}

it('plays from Bun, which loads the TypeScript source', async () => {
  const report = await play(['bun'], `pkg_bun_${process.pid}`);
  expect(report.runtime).toBe('bun');
  expect(report.loaded).toEndWith('/node_modules/@games/client/index.ts');
  expectPlayed(report, `pkg_bun_${process.pid}`);
}, 20_000);

it('plays from Node, which loads the built ES module', async () => {
  const report = await play([NODE, '--experimental-websocket'], `pkg_node_${process.pid}`);
  expect(report.runtime).toBe('node');
  expect(report.loaded).toEndWith('/node_modules/@games/client/dist/index.js');
  expectPlayed(report, `pkg_node_${process.pid}`);
}, 20_000);

it("type-checks a game's code against the installed package's declarations", () => {
  writeFileSync(join(project, 'game.ts'), TYPED_SCRIPT);
  // skipLibCheck, as most projects set it (checking TypeBox's own declarations takes 10 s); the
  // package's declarations are still what types the game's code.
  const compilerOptions = { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true, skipLibCheck: true };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['game.ts'] }));
  const tsc = Bun.spawnSync([join(ROOT, 'node_modules', '.bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: project, stdout: 'pipe', stderr: 'pipe' });
  expect(tsc.stdout.toString() + tsc.stderr.toString()).toBe('');
  expect(tsc.exitCode).toBe(0);
}, 30_000);
