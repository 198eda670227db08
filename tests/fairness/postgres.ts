/**
 * A throwaway PostgreSQL 15 cluster for tests: initdb into a temp directory, started on a free
 * port, deleted on stop. Missing binaries fail the test with how to install them. PostgreSQL
 * refuses to run as root, so under root the cluster runs as the `postgres` system user.
 */
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export type TestPostgres = { url: string; stop(): Promise<void> };

async function run(argv: string[], asUser: string | undefined): Promise<void> {
  const command = asUser ? ['runuser', '-u', asUser, '--', ...argv] : argv;
  const proc = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${argv.join(' ')} failed (${code}): ${await new Response(proc.stderr).text()}`);
}

function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

export async function startPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL binaries not found in ${BIN}: install them with \`apt-get install postgresql-15\` (or set PG_BIN)`);
  }
  const asUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fairness-pg-'));
  if (asUser) {
    const uid = Number((await Bun.$`id -u ${asUser}`.text()).trim());
    chownSync(dir, uid, -1);
  }
  const data = join(dir, 'data');
  const port = freePort();
  const stop = async () => {
    await run([join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], asUser).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run([join(BIN, 'initdb'), '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], asUser);
    await run([join(BIN, 'pg_ctl'), '-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'], asUser);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}
