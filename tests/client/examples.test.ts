/** The two examples as real processes against a real server: the monitor sees the player's plays. */
import { afterEach, expect, it } from 'bun:test';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { ADMIN, startTestServer, type TestServer } from '../support/server';

const ROOT = join(import.meta.dir, '..', '..');
const ROUNDS = 2;
const PLAYS = ROUNDS * 4;

/** A running example whose stdout and stderr are collected as they come. */
function example(script: string, args: string[]) {
  const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn(['bun', join('examples', script), ...args], { cwd: ROOT, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  let output = '';
  const decoder = new TextDecoder();
  const drained = Promise.all(
    [proc.stdout, proc.stderr].map(async (stream) => {
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    }),
  );
  return {
    proc,
    output: () => output,
    async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${script} never printed ${pattern}:\n${output}`);
        await Bun.sleep(10);
      }
    },
    /** The exit code, once the process has ended and its output is all read. */
    async exited(): Promise<number> {
      const code = await proc.exited;
      await drained;
      return code;
    },
  };
}

let server: TestServer | undefined;
const running: Subprocess[] = [];
afterEach(async () => {
  for (const proc of running.splice(0)) proc.kill();
  await server?.close();
});

it('runs the player and the monitor; the monitor counts every play the player made', async () => {
  server = await startTestServer();
  const url = server.url;
  const monitor = example('monitor.ts', ['--url', url, '--username', ADMIN.username, '--password', ADMIN.password, '--events', String(PLAYS), '--seconds', '20']);
  running.push(monitor.proc);
  await monitor.waitFor(/^watching /m);

  const player = example('player.ts', ['--url', url, '--username', `example_${process.pid}`, '--password', 'correct-horse-battery', '--rounds', String(ROUNDS), '--bet', '1.5']);
  running.push(player.proc);
  expect(await player.exited()).toBe(0);
  expect(await monitor.exited()).toBe(0);

  const playerOut = player.output();
  const monitorOut = monitor.output();
  expect(playerOut).toContain('signed up as example_');
  const playerEvents = [...playerOut.matchAll(/^event (\S+) (\w+) bet=1\.5 /gm)].map((m) => m[1]);
  const monitorEvents = [...monitorOut.matchAll(/^play (\S+) user \d+ (\w+) bet=1\.5 /gm)].map((m) => m[1]);
  expect(playerEvents).toHaveLength(PLAYS);
  expect(monitorEvents).toEqual(playerEvents);
  expect(playerOut).toMatch(new RegExp(`^done: ${PLAYS} plays, balance \\d`, 'm'));

  // The summary: ROUNDS plays of each game at 1.50, PLAYS in all, and the payouts the player saw.
  for (const game of ['slot', 'rps', 'gacha', 'crash']) expect(monitorOut).toMatch(new RegExp(`^${game} +${ROUNDS} +3\\.00 +\\d+\\.\\d\\d +(\\d+\\.\\d%)$`, 'm'));
  const payouts = [...playerOut.matchAll(/^event \S+ \w+ bet=1\.5 payout=([\d.]+)$/gm)].reduce((sum, m) => sum + Math.round(Number(m[1]) * 100), 0);
  const total = /^total +(\d+) +([\d.]+) +([\d.]+) +(\S+)$/m.exec(monitorOut);
  expect(total?.slice(1, 4)).toEqual([String(PLAYS), (PLAYS * 1.5).toFixed(2), (payouts / 100).toFixed(2)]);
  expect(total?.[4]).toBe(`${((payouts / (PLAYS * 150)) * 100).toFixed(1)}%`);
  expect(monitorOut).toMatch(/^user \d+ joined; 1 connected$/m);
}, 20_000);
