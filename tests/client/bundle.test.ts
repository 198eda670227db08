/**
 * client/ must build for a browser and carry none of the server: only the plain TypeBox schemas
 * and tables it shares with it.
 */
import { expect, it } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');
const SHARED_WITH_THE_SERVER = ['src/admin/model.ts', 'src/auth/model.ts', 'src/games/model.ts', 'src/realtime/close-codes.ts', 'src/realtime/events.ts'];

it('bundles for the browser with nothing of src/ but the shared schemas', async () => {
  const build = await Bun.build({ entrypoints: [join(ROOT, 'client/index.ts')], target: 'browser', throw: false });
  expect(build.logs.filter((log) => log.level === 'error')).toEqual([]);
  const code = await build.outputs[0]!.text();
  const modules = [...code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1]!);
  expect(modules.filter((path) => path.startsWith('client/')).length).toBeGreaterThan(3);
  expect(modules.filter((path) => path.startsWith('src/')).sort()).toEqual(SHARED_WITH_THE_SERVER);
  expect(modules.filter((path) => !path.startsWith('client/') && !path.startsWith('src/'))).toEqual([]);
});
