/**
 * Serves the browser example: this folder's page, and the client's browser build (client/dist,
 * built first with the package's own `build:js`) under /client/.
 *
 *   bun examples/browser/serve.ts [--port 5173] [--host 127.0.0.1]
 *
 * The page is on another origin than the game server, so start the server with that origin
 * allowed, and tell the page where the server is:
 *
 *   ALLOWED_ORIGINS=http://127.0.0.1:5173 bun run start
 *   open http://127.0.0.1:5173/?server=http://127.0.0.1:8000
 */
import type { Server } from 'bun';
import { join, normalize, sep } from 'node:path';
import { parseArgs } from 'node:util';

const PAGE_DIR = import.meta.dir;
const CLIENT_DIR = join(import.meta.dir, '..', '..', 'client');
const CLIENT_BUILD = join(CLIENT_DIR, 'dist');

/** Runs the client package's browser build (ES modules into client/dist). */
export function buildClient(): void {
  const build = Bun.spawnSync(['bun', 'run', 'build:js'], { cwd: CLIENT_DIR, stdout: 'pipe', stderr: 'pipe' });
  if (build.exitCode !== 0) throw new Error(`the client's build failed:\n${build.stderr.toString()}`);
}

/** `path` below `root`, or undefined when the request tries to leave it. */
function fileBelow(root: string, path: string): string | undefined {
  const file = normalize(join(root, path));
  return file.startsWith(root + sep) ? file : undefined;
}

async function serveFile(file: string | undefined): Promise<Response> {
  const found = file === undefined ? undefined : Bun.file(file);
  if (!found || !(await found.exists())) return new Response('not found', { status: 404 });
  return new Response(found, { headers: { 'cache-control': 'no-store' } });
}

export function serveExample(options: { port?: number; hostname?: string } = {}): Server<undefined> {
  buildClient();
  return Bun.serve({
    port: options.port ?? 5173,
    hostname: options.hostname ?? '127.0.0.1',
    fetch(request) {
      const path = decodeURIComponent(new URL(request.url).pathname);
      if (path === '/') return serveFile(join(PAGE_DIR, 'index.html'));
      if (path.startsWith('/client/')) return serveFile(fileBelow(CLIENT_BUILD, path.slice('/client/'.length)));
      if (path.endsWith('.ts')) return new Response('not found', { status: 404 });
      return serveFile(fileBelow(PAGE_DIR, path));
    },
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '5173' }, host: { type: 'string', default: '127.0.0.1' } } });
  const server = serveExample({ port: Number(values.port), hostname: values.host });
  console.log(`serving the example on ${server.url.origin}; start the game server with ALLOWED_ORIGINS=${server.url.origin}`);
}
