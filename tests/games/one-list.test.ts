/**
 * The catalogue is the one list of games: outside the files a game is allowed to touch (its own
 * file and the catalogue in src/games/, and for clients the wire record, the typed client's
 * method and the offline verifier), no source file in src/ or client/ names a game. A list
 * creeping back in (a switch on game types, a hard-coded checkbox, a description spelling the
 * games) fails here, naming the file and the line. README, "Adding a game", lists these files.
 */
import { describe, expect, it } from 'bun:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GAME_TYPES } from '../../src/games/catalogue';

const ROOT = join(import.meta.dir, '..', '..');

/** Where a game may be named: what a new game adds to (README, "Adding a game"). */
const ALLOWED = [/^src\/games\//, /^client\/protocol\/games\.ts$/, /^client\/rest\.ts$/, /^client\/fairness\.ts$/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|js|html|css)$/.test(name) ? [path] : [];
  });
}

/** The code without its comments: a comment may use a game as an example (or say "crash" of a process). */
const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1').replace(/<!--[\s\S]*?-->/g, '');

/** Each line of `text` naming a game, as `path:line: text`. */
function namings(path: string, text: string, names: readonly string[]): string[] {
  const pattern = new RegExp(`\\b(${names.join('|')})\\b`);
  return withoutComments(text)
    .split('\n')
    .flatMap((line, at) => (pattern.test(line) ? [`${path}:${at + 1}: ${line.trim().slice(0, 120)}`] : []));
}

describe('one list of games', () => {
  it('no file in src/ or client/ names a game outside the catalogue and the files a new game adds to', () => {
    const found = ['src', 'client']
      .flatMap((dir) => files(join(ROOT, dir)))
      .map((file) => relative(ROOT, file))
      .filter((path) => !ALLOWED.some((allowed) => allowed.test(path)))
      .flatMap((path) => namings(path, readFileSync(join(ROOT, path), 'utf8'), GAME_TYPES));
    expect(found).toEqual([]);
  });

  it('catches a list: a switch on the games, a checkbox, a description, but not a comment', () => {
    const code = [
      "case 'slot': return 1;",
      '<label><input type="checkbox" value="gacha"> gacha</label>',
      "t.String({ description: 'only this game: slot, rps, gacha or crash' })",
      '// the process may crash: restart it',
      '/* e.g. /api/games/slot/spin */',
    ].join('\n');
    expect(namings('x.ts', code, GAME_TYPES).map((line) => line.split(':')[1])).toEqual(['1', '2', '3']);
  });
});
