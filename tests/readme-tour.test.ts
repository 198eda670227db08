/**
 * The README's 60-second tour, run exactly as the README gives it (the first `sh` block under
 * "A 60-second tour", pasted into bash), twice, in a directory of its own that links to this
 * checkout: every play's REST answer and each socket message print on lines of their own,
 * each line one whole JSON object, and the second run finds alice already signed up.
 */
import { afterAll, describe, expect, it } from 'bun:test';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './support/ports';

const ROOT = join(import.meta.dir, '..');
const dir = mkdtempSync(join(tmpdir(), 'games-tour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tour block as the README has it. */
async function tourScript(): Promise<string> {
  const readme = await Bun.file(join(ROOT, 'README.md')).text();
  const section = readme.split('\n## A 60-second tour\n')[1]!;
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('README.md: no sh block under "A 60-second tour"');
  return block;
}

/** Pastes the tour into bash, as a reader would, in a directory that looks like a clone. */
async function runTour(script: string, port: number): Promise<{ exitCode: number; lines: string[] }> {
  const proc = Bun.spawn(['bash'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) } as Record<string, string>,
    stdin: new Blob([script]),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const timer = setTimeout(() => proc.kill(), 50_000);
  const [exitCode, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { exitCode, lines: (stdout + stderr).split('\n').filter((line) => line !== '') };
}

/** `  rest -> {…}` and `  ws <- {…}`: the JSON after the arrow, which must be the whole rest of the line. */
const payloads = (lines: string[], arrow: 'rest ->' | 'ws <-') =>
  lines.filter((line) => line.startsWith(`  ${arrow} `)).map((line) => JSON.parse(line.slice(`  ${arrow} `.length)));

describe("README's tour", () => {
  for (const file of ['package.json', 'bun.lock', 'bunfig.toml', 'tsconfig.json', 'node_modules', 'src']) symlinkSync(join(ROOT, file), join(dir, file));

  it('prints each REST answer and each socket message on a line of its own, and runs again on the same data', async () => {
    const script = await tourScript();
    const port = freePort();
    for (const [run, signup] of [[1, 'signup: 201'], [2, 'signup: 409']] as const) {
      const { exitCode, lines } = await runTour(script, port);
      const context = `run ${run}:\n${lines.join('\n')}`;
      expect({ exitCode, context }).toEqual({ exitCode: 0, context });
      expect(lines).toContain(signup);
      // No line holds both kinds, and every arrowed line is exactly one JSON object.
      expect(lines.filter((line) => line.includes('rest ->') && line.includes('ws <-'))).toEqual([]);
      const answers = payloads(lines, 'rest ->');
      const messages = payloads(lines, 'ws <-');
      expect(answers.map((answer) => answer.game_type)).toEqual(['slot', 'rps', 'gacha', 'crash']);
      // On the second run alice has played before: her current balance follows ws_ack.
      const greeting = run === 1 ? ['ws_ack'] : ['ws_ack', 'balance_update'];
      expect(messages.map((message) => message.type)).toEqual([...greeting, ...answers.flatMap(() => ['game_event', 'balance_update'])]);
      // Each play's answer and its event on the socket are the same play.
      const events = messages.filter((message) => message.type === 'game_event');
      expect(events.map((event) => event.event_id)).toEqual(answers.map((answer) => answer.event_id));
      expect(lines.filter((line) => line.startsWith('  ws closed'))).toEqual(['  ws closed 1001 server shutting down']);
      expect(lines.at(-1)).toBe('tour done');
    }
  }, 120_000);
});
