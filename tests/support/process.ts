/**
 * The server as a separate process, started the way it is deployed (`bun src/index.ts`), for
 * what needs a real process: signals, exit codes, files left behind.
 */
import type { Subprocess } from 'bun';
import { join } from 'node:path';
import { reachableUrl } from '../../src/server';
import { TEST_SECRET, type TestEnv } from './server';

export type ServerProcess = {
  /** Where to connect. */
  url: string;
  /** What the start line printed: the address bound. */
  address: string;
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** stdout and stderr so far, for assertions and for failure messages. */
  output(): string;
};

const ROOT = join(import.meta.dir, '..', '..');

function spawnIndex(env: TestEnv): Subprocess<'ignore', 'pipe', 'pipe'> {
  return Bun.spawn(['bun', 'src/index.ts'], {
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
}

/** Runs `bun src/index.ts` expecting it to refuse to start: its exit code and what it printed. */
export async function failedStart(env: TestEnv, timeoutMs = 20_000): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const proc = spawnIndex(env);
  const timer = setTimeout(() => proc.kill(), timeoutMs);
  const [exitCode, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

export type LaunchedServer = {
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  /** stderr alone so far: what the server printed there that is not one of its JSON log lines is a crash or an unhandled error. */
  stderr(): string;
  /** The URL of its "listening on" line; throws (with what it printed) if it exits or `timeoutMs` passes first. */
  listening(timeoutMs?: number): Promise<string>;
};

/**
 * Starts `bun src/index.ts` with a test environment and returns at once, before it listens:
 * for tests that act while it starts (a probe, a dependency going away).
 */
export function launchServer(env: TestEnv): LaunchedServer {
  const proc = spawnIndex(env);
  let text = '';
  let errors = '';
  const collect = async (stream: ReadableStream<Uint8Array>, isStderr: boolean) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const part = decoder.decode(chunk, { stream: true });
      text += part;
      if (isStderr) errors += part;
    }
  };
  void collect(proc.stdout, false);
  void collect(proc.stderr, true);
  return {
    proc,
    output: () => text,
    stderr: () => errors,
    async listening(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const url = /listening on (http:\/\/[^\s"]+)/.exec(text)?.[1];
        if (url) return url;
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
          throw new Error(`the server did not start (${proc.exitCode === null && proc.signalCode === null ? `not listening after ${timeoutMs} ms` : `exit ${proc.exitCode ?? proc.signalCode}`}):\n${text}`);
        }
        await Bun.sleep(10);
      }
    },
  };
}

/** Starts `bun src/index.ts` with a test environment and waits for its "listening on" line. */
export async function spawnServer(env: TestEnv, timeoutMs = 10_000): Promise<ServerProcess> {
  const launched = launchServer(env);
  try {
    // The line names the address bound (http://0.0.0.0:PORT for every interface): connect to loopback.
    const address = await launched.listening(timeoutMs);
    return { url: reachableUrl(address), address, proc: launched.proc, output: launched.output };
  } catch (error) {
    launched.proc.kill();
    throw error;
  }
}
