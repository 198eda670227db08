/**
 * client/ must build for a browser and carry none of the server: its own modules and the wire
 * contract (client/protocol/, which the server imports from it), nothing of src/.
 */
import { expect, it } from 'bun:test';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..', '..');

it('bundles for the browser from client/ alone, the protocol included', async () => {
  const build = await Bun.build({ entrypoints: [join(ROOT, 'client/index.ts')], target: 'browser', throw: false });
  expect(build.logs.filter((log) => log.level === 'error')).toEqual([]);
  const code = await build.outputs[0]!.text();
  const modules = [...code.matchAll(/^\/\/ (\S+\.ts)$/gm)].map((m) => m[1]!);
  expect(modules.filter((path) => path.startsWith('client/protocol/')).sort()).toEqual(['client/protocol/admin.ts', 'client/protocol/auth.ts', 'client/protocol/close-codes.ts', 'client/protocol/games.ts', 'client/protocol/messages.ts']);
  expect(modules.filter((path) => !path.startsWith('client/'))).toEqual([]);
});
