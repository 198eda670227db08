/**
 * Durability: a play answered 200 is committed before the answer leaves, so it survives the
 * process being killed outright. A real server process on a SQLite file (the ledger on
 * bun:sqlite, WAL, synchronous NORMAL) takes plays over REST from several lanes at once, is
 * killed with SIGKILL mid-stream, and is started again on the same file.
 */
import { describe, expect, it } from 'bun:test';
import { SQL } from 'bun';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { api, type Api } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { spawnServer, type ServerProcess } from '../support/process';
import { tempDir } from '../support/server';
import { waitUntil } from '../support/streams';

type Acknowledged = { eventId: string; token: string; key: string; text: string };

/** Plays with a fresh Idempotency-Key each until `isKilled()`; every 200 is recorded, however late. */
async function keyedPlays(client: Api, token: string, lane: number, acknowledged: Acknowledged[], isKilled: () => boolean): Promise<void> {
  for (let n = 0; !isKilled(); n++) {
    const key = `lane-${lane}-play-${n}`;
    let play;
    try {
      play = await client.play(token, 'slot', { bet: 1 }, { 'idempotency-key': key });
    } catch (error) {
      if (isKilled()) return; // the connection died with the process
      throw error;
    }
    if (play.status !== 200) throw new Error(`play refused before the kill: ${play.status} ${play.text}`);
    acknowledged.push({ eventId: play.json.event_id, token, key, text: play.text });
  }
}

describe('a play answered 200', () => {
  it('survives kill -9: restarted on the same file, the server has every acknowledged play and the ledger adds up', async () => {
    const dir = tempDir();
    const file = join(dir, 'games.sqlite');
    const env = { DATABASE_URL: `sqlite://${file}`, PLAY_RATE_PER_SECOND: '100000', PLAY_BURST: '100000' };
    let audited: SQL | undefined;
    const servers: ServerProcess[] = [];
    try {
      const first = await spawnServer(env);
      servers.push(first);
      const client = api(first.url);
      const users = await Promise.all([client.signup(), client.signup(), client.signup()]);
      const acknowledged: Acknowledged[] = [];
      let isKilled = false;
      const lanes = users.flatMap((user, u) => [0, 1].map((l) => keyedPlays(client, user.access_token, u * 2 + l, acknowledged, () => isKilled)));
      await waitUntil(() => acknowledged.length >= 150, '150 acknowledged plays', 20_000);

      isKilled = true;
      first.proc.kill('SIGKILL');
      await first.proc.exited;
      expect(first.proc.signalCode).toBe('SIGKILL');
      await Promise.all(lanes);

      const second = await spawnServer(env);
      servers.push(second);
      audited = new SQL(`sqlite://${file}`);
      const audit = await auditLedger(audited, 1000 * 100);
      expect(audit.problems).toEqual([]);
      const missing = acknowledged.filter((play) => !audit.eventIds.has(play.eventId));
      expect(missing).toEqual([]);
      // Beyond those, at most the plays still under way when the process died (one per lane).
      expect(audit.events - acknowledged.length).toBeLessThanOrEqual(lanes.length);

      // The stored responses survived too: a repeated key answers with the first response.
      const last = acknowledged.at(-1)!;
      const again = await api(second.url).play(last.token, 'slot', { bet: 1 }, { 'idempotency-key': last.key });
      expect(again.status).toBe(200);
      expect(again.text).toBe(last.text);
      expect((await auditLedger(audited, 1000 * 100)).events).toBe(audit.events);
    } finally {
      await audited?.close();
      for (const server of servers) server.proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
