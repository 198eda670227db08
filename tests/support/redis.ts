/**
 * A real Redis for tests: Debian's `redis-server` on 127.0.0.1, a free port, no persistence, a
 * temporary directory. `stop()` then `start()` brings it back on the SAME port, which is how an
 * outage looks to the clients (they reconnect to the address they know, to an empty Redis).
 */
import type { Subprocess } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export type TestRedis = {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: no goodbye to the clients, as in a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
  /** Whether it is up (started and not stopped since). */
  isRunning(): boolean;
};

const INSTALL_HINT = 'redis-server is not installed: apt-get install redis-server';

export async function startTestRedis(timeoutMs = 10_000): Promise<TestRedis> {
  const binary = Bun.which('redis-server');
  if (!binary) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  const port = freePort();
  let proc: Subprocess<'ignore', 'pipe', 'pipe'> | undefined;

  const start = async () => {
    const args = [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const child = Bun.spawn(args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    proc = child;
    let output = '';
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    const deadline = Date.now() + timeoutMs;
    while (!output.includes('Ready to accept connections')) {
      const timer = Bun.sleep(Math.max(0, deadline - Date.now())).then(() => undefined);
      const chunk = await Promise.race([reader.read(), timer]);
      if (!chunk || chunk.done) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}${await new Response(child.stderr).text()}`);
      }
      output += decoder.decode(chunk.value, { stream: true });
    }
    // Keep draining so a full pipe never blocks the server.
    void (async () => {
      for (;;) if ((await reader.read()).done) return;
    })();
  };

  const stop = async () => {
    const running = proc;
    proc = undefined;
    if (!running) return;
    running.kill('SIGKILL');
    await running.exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    isRunning: () => proc !== undefined,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
