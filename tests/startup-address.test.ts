/**
 * The start line names the address the server bound, not a guess: `HOST=0.0.0.0` (the default)
 * prints `listening on http://0.0.0.0:PORT` and answers on every interface; `HOST=127.0.0.1`
 * prints that and answers on it alone. 127.0.0.2, another loopback address, tells them apart
 * on any Linux machine.
 */
import { describe, expect, it } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer } from './support/process';
import { tempDir } from './support/server';

const answers = async (url: string) => {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 'refused';
  }
};

describe('the start line', () => {
  for (const host of ['0.0.0.0', '127.0.0.1']) {
    it(`prints the address bound with HOST=${host}, and that is where it answers`, async () => {
      const dir = tempDir();
      const server = await spawnServer({ HOST: host, DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}` });
      try {
        const line = server.output().split('\n').filter((text) => text.trim() !== '').map((text) => JSON.parse(text)).find((entry) => entry.msg.startsWith('listening on '));
        expect(line.msg).toBe(`listening on http://${host}:${line.port}`);
        expect(server.address).toBe(`http://${host}:${line.port}`);
        expect(await answers(`http://127.0.0.1:${line.port}`)).toBe(200);
        expect(await answers(`http://127.0.0.2:${line.port}`)).toBe(host === '0.0.0.0' ? 200 : 'refused');
      } finally {
        server.proc.kill();
        await server.proc.exited;
        rmSync(dir, { recursive: true, force: true });
      }
    }, 20_000);
  }
});
