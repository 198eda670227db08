/**
 * `GET /monitor`: the admins' live monitor page (HTML, CSS and plain ES modules in ./page, no
 * build step), served from memory under a Content-Security-Policy that allows only this
 * origin's own files: no inline script, no style attribute, nothing from elsewhere.
 */
import { Elysia } from 'elysia';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorResponse } from '../errors';

const PAGE_DIR = join(import.meta.dir, 'page');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's assets by name: the files of ./page (but the page itself), read at start-up; only
 * these are served, so no path from a URL reaches the disk.
 */
const ASSETS = readdirSync(PAGE_DIR).filter((name) => name !== 'monitor.html' && name.slice(name.lastIndexOf('.')) in CONTENT_TYPES);

/**
 * `connect-src 'self'` covers the page's own ws:/wss: origin in current browsers (CSP Level 3).
 * `form-action 'none'`: the login form is sent by script, never navigated.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  // Revalidated on every load, so a deploy never leaves a page and its modules out of step.
  'cache-control': 'no-cache',
};

function load(name: string): { body: string; type: string } {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
  if (!type) throw new Error(`monitor: no content type for ${name}`);
  return { body: readFileSync(join(PAGE_DIR, name), 'utf8'), type };
}

const respond = ({ body, type }: { body: string; type: string }) => new Response(body, { headers: { 'content-type': type, ...SECURITY_HEADERS } });

export const monitorController = () => {
  // Read once at start-up: a missing file stops the server then, not an admin later.
  const page = load('monitor.html');
  const assets = new Map<string, { body: string; type: string }>(ASSETS.map((name) => [name, load(name)]));
  return new Elysia({ name: 'monitor' })
    .get('/monitor', () => respond(page))
    .get('/monitor/assets/:name', ({ params }) => {
      const asset = assets.get(params.name);
      return asset ? respond(asset) : errorResponse(404, 'not_found', 'no such monitor asset');
    });
};
