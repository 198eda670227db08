import { afterEach, describe, expect, it } from 'bun:test';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointReport } from '../../src/storage/checkpoint-worker';
import { openDatabase } from '../../src/storage';
import { tempDir } from '../support/server';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('WAL checkpoints in a Worker', () => {
  it('moves what the server wrote into the database file without the server checkpointing', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'c.sqlite');
    const db = await openDatabase(`sqlite://${file}`);
    const reports: CheckpointReport[] = [];
    db.checkpointer!.onReport((report) => reports.push(report));
    const [setting] = await db.sql`PRAGMA wal_autocheckpoint`;
    expect(Number(setting.wal_autocheckpoint)).toBeGreaterThan(1000); // the server's own connection only as a backstop

    await db.sql.unsafe('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    for (let i = 0; i < 200; i++) await db.sql`INSERT INTO t (body) VALUES (${'x'.repeat(500)})`;
    const deadline = Date.now() + 5000;
    const caughtUp = () => reports.some((r) => r.type === 'checkpointed' && r.logFrames > 0 && r.checkpointedFrames === r.logFrames);
    while (!caughtUp() && Date.now() < deadline) await Bun.sleep(50);
    expect(caughtUp()).toBe(true);
    expect(reports.filter((r) => r.type === 'failed')).toEqual([]);
    await db.close();
  });

  it('leaves no write-ahead log behind on close, and the data reads back', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'c.sqlite');
    const db = await openDatabase(`sqlite://${file}`);
    await db.sql.unsafe('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)');
    for (let i = 0; i < 50; i++) await db.sql`INSERT INTO t (n) VALUES (${i})`;
    await db.close();
    const wal = `${file}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);

    const again = await openDatabase(`sqlite://${file}`);
    const [{ total }] = await again.sql`SELECT SUM(n) AS total FROM t`;
    expect(Number(total)).toBe((49 * 50) / 2);
    await again.close();
  });

  it('runs no Worker for a database in memory', async () => {
    const db = await openDatabase('sqlite://:memory:');
    expect(db.checkpointer).toBeUndefined();
    await db.close();
  });
});
