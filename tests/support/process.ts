/**
 * The server as a separate process, started the way it is deployed (`bun src/index.ts`), for
 * what needs a real process: signals, exit codes, files left behind.
 */
import type { Subprocess } from 'bun';
import { join } from 'node:path';
import { TEST_SECRET, type TestEnv } from './server';

export type ServerProcess = {
  url: string;
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** stdout and stderr so far, for assertions and for failure messages. */
  output(): string;
};

const ROOT = join(import.meta.dir, '..', '..');

/** Starts `bun src/index.ts` with a test environment and waits for its "listening on" line. */
export async function spawnServer(env: TestEnv, timeoutMs = 10_000): Promise<ServerProcess> {
  const proc = Bun.spawn(['bun', 'src/index.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      PASSWORD_MEMORY_KIB: '1024',
      ...env,
    } as Record<string, string>,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let text = '';
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  void collect(proc.stdout);
  void collect(proc.stderr);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = /listening on (http:\/\/[^\s"]+)/.exec(text)?.[1];
    if (url) return { url, proc, output: () => text };
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      throw new Error(`the server did not start:\n${text}`);
    }
    await Bun.sleep(10);
  }
}
