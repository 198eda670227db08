/** The test PostgreSQL itself: fresh databases are separate, and stop/start is a real outage. */
import { SQL } from 'bun';
import { describe, expect, it } from 'bun:test';
import { freshPostgresUrl, postgresBinDir, postgresCluster } from '../support/postgres';

describe('test PostgreSQL cluster', () => {
  it('finds the installed binaries, and fails naming the install command when there are none', () => {
    expect(postgresBinDir()).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
    expect(() => postgresBinDir('/nonexistent/postgresql')).toThrow('apt-get install -y postgresql');
  });

  it('hands out separate empty databases', async () => {
    const [first, second] = [await freshPostgresUrl(), await freshPostgresUrl()];
    expect(first).not.toBe(second);
    const a = new SQL(first);
    const b = new SQL(second);
    try {
      await a`CREATE TABLE t (x INT)`;
      const [row] = await b`SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_name = 't'`;
      expect(row.n).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stops and starts again on the same port with the same data', async () => {
    const cluster = await postgresCluster();
    const url = await cluster.createDatabase();
    const before = new SQL(url);
    await before`CREATE TABLE kept (x INT)`;
    await before`INSERT INTO kept VALUES (7)`;
    await cluster.stop();
    try {
      await expect(before`SELECT 1`).rejects.toThrow();
    } finally {
      await before.close().catch(() => {});
      await cluster.start();
    }
    const after = new SQL(url);
    try {
      const [row] = await after`SELECT x FROM kept`;
      expect(row.x).toBe(7);
    } finally {
      await after.close();
    }
  });
});
