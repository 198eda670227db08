/**
 * Which methods a path is served with, read from the app's own route table, so a known path
 * asked with the wrong method can answer 405 with an `Allow` header instead of 404.
 */
export type ServedRoute = { method: string; path: string };

/** `/api/x/:id` -> /^\/api\/x\/[^/]+$/ ; a catch-all (`*`) route is left out: it names no path. */
function pattern(path: string): RegExp | undefined {
  if (path.includes('*')) return undefined;
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

export function methodsOf(routes: () => readonly ServedRoute[]) {
  let table: { method: string; matches: RegExp }[] | undefined;
  /** The methods `path` is served with (empty for an unknown path); built once, on first use. */
  return (path: string): string[] => {
    table ??= routes().flatMap((route) => {
      const matches = pattern(route.path);
      return matches ? [{ method: route.method, matches }] : [];
    });
    const methods = new Set(table.filter((route) => route.matches.test(path)).map((route) => route.method));
    return [...methods].sort();
  };
}
