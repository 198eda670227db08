/**
 * Instances that start together on one fresh PostgreSQL database migrate it once, in turn:
 * none fails on the other's half-made tables.
 */
import { describe, expect, it } from 'bun:test';
import { migrations } from '../../src/storage/migrations';
import { openDatabase } from '../../src/storage';
import { FIRST_USE_TIMEOUT_MS } from '../support/postgres';
import { testStore } from '../support/server';

describe('migrations on PostgreSQL', () => {
  it('apply once when six instances open a fresh database at the same moment', async () => {
    const store = await testStore('postgres');
    try {
      const opened = await Promise.allSettled(Array.from({ length: 6 }, () => openDatabase(store.url)));
      const failures = opened.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
      expect(failures).toEqual([]);
      const [db] = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      const rows = await db!.sql`SELECT version FROM schema_migrations ORDER BY version`;
      expect(rows.map((row: { version: number }) => Number(row.version))).toEqual(migrations.map((m) => m.version).sort((a, b) => a - b));
      await Promise.all(opened.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.close() : undefined)));
    } finally {
      await store.remove();
    }
  }, FIRST_USE_TIMEOUT_MS);
});
