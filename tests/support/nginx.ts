/**
 * A real nginx (Debian's package) in front of test instances, running the configuration the
 * repository ships (deploy/nginx.conf) with only its upstream servers and listen address
 * replaced: what the test proves is what users deploy.
 */
import type { Subprocess } from 'bun';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { runWhenGone } from './postgres';

export type TestNginx = { url: string; port: number; /** nginx's error log so far. */ log(): string; close(): Promise<void> };

const SHIPPED = join(import.meta.dir, '..', '..', 'deploy', 'nginx.conf');
const INSTALL_HINT = 'nginx is not installed: apt-get install nginx (or run scripts/test-services.sh)';

function nginxBinary(): string {
  const found = Bun.which('nginx') ?? ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path));
  if (!found) throw new Error(INSTALL_HINT);
  return found;
}

/** deploy/nginx.conf with `upstreams` as the instances and 127.0.0.1:`port` as its address. */
export function renderShippedConfig(upstreams: number[], port: number): string {
  const shipped = readFileSync(SHIPPED, 'utf8');
  const servers = /^( *)server 127\.0\.0\.1:\d+( [^;]*)?;\n/gm;
  const [first] = [...shipped.matchAll(servers)];
  if (!first) throw new Error('deploy/nginx.conf: no upstream server line to replace');
  const options = first[2] ?? '';
  const lines = upstreams.map((upstream) => `${first[1]}server 127.0.0.1:${upstream}${options};\n`).join('');
  const rendered = shipped.replace(servers, (line) => (line === first[0] ? lines : '')).replace(/^( *)listen \d+;/m, `$1listen 127.0.0.1:${port};`);
  if (!rendered.includes(`listen 127.0.0.1:${port};`)) throw new Error('deploy/nginx.conf: no `listen <port>;` line to replace');
  return rendered;
}

export async function startNginx(upstreams: number[], timeoutMs = 10_000): Promise<TestNginx> {
  const binary = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), 'test-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = freePort();
  writeFileSync(join(dir, 'games.conf'), renderShippedConfig(upstreams, port));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
# One process: nothing is left behind however the test ends (with a master, a killed master's
# workers lived on).
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/games.conf;
}
`,
  );
  const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn([binary, '-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  // Should this process die first, the watcher stops nginx after it.
  runWhenGone(`kill ${proc.pid}`);
  const close = async () => {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
    await proc.exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      await close();
      throw new Error(`nginx exited ${proc.exitCode}: ${await new Response(proc.stderr).text()}${log}`);
    }
    const isUp = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } }).then((socket) => (socket.end(), true), () => false);
    if (isUp) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`);
    }
    await Bun.sleep(20);
  }
  const log = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  return { url: `http://127.0.0.1:${port}`, port, log, close };
}
