/**
 * The database: one `Bun.SQL` client for SQLite (embedded, the default) or PostgreSQL (several
 * instances), chosen by `DATABASE_URL`, with migrations applied at start-up.
 */
import { SQL } from 'bun';
import { Database as SqliteConnection } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { sqliteFile } from '../config';
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from './checkpointer';
import { migrations, type Dialect } from './migrations';

export type { Dialect } from './migrations';

export type Database = {
  sql: SQL;
  dialect: Dialect;
  /** SQLite files only: the Worker that checkpoints the write-ahead log. */
  checkpointer?: Checkpointer;
  /**
   * SQLite files only: a `bun:sqlite` connection to the same file, for the ledger's synchronous
   * transactions. It has no busy timeout: a wait for the write lock would block the only
   * JavaScript thread, so its user retries instead (src/wallet/sqlite-ledger-store.ts).
   */
  sqlite?: SqliteConnection;
  close(): Promise<void>;
};

function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite://')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  throw new Error(`unsupported DATABASE_URL scheme: ${url.split(':')[0]}`);
}

export async function openDatabase(url: string): Promise<Database> {
  const dialect = dialectOf(url);
  const file = sqliteFile(url);
  if (file) mkdirSync(dirname(file), { recursive: true });
  const sql = dialect === 'sqlite' ? new SQL(url) : new SQL(url, { max: 20 });
  try {
    if (dialect === 'sqlite') {
      // WAL lets readers run beside the writer; NORMAL is durable across application crashes
      // and loses at most the last transactions on power loss, the usual trade for WAL.
      await sql.unsafe('PRAGMA journal_mode = WAL');
      await sql.unsafe('PRAGMA synchronous = NORMAL');
      await sql.unsafe('PRAGMA busy_timeout = 5000');
      await sql.unsafe('PRAGMA foreign_keys = ON');
    }
    await migrate(sql, dialect);
  } catch (error) {
    // Start-up may try again (the database was not there yet): this attempt's pool goes.
    await sql.close().catch(() => {});
    throw error;
  }
  const checkpointer = file ? await startCheckpointer(sql, url) : undefined;
  const sqlite = file ? openSqliteConnection(file) : undefined;
  return {
    sql,
    dialect,
    checkpointer,
    sqlite,
    async close() {
      sqlite?.close();
      await sql.close();
      await checkpointer?.stop();
    },
  };
}

/** The same settings as the `Bun.SQL` connection's, but no busy timeout (see `Database.sqlite`). */
function openSqliteConnection(file: string): SqliteConnection {
  const connection = new SqliteConnection(file, { strict: true });
  connection.run('PRAGMA journal_mode = WAL');
  connection.run('PRAGMA synchronous = NORMAL');
  connection.run('PRAGMA busy_timeout = 0');
  connection.run('PRAGMA foreign_keys = ON');
  // Per connection: checkpoints belong to the Worker, not to this connection's commits.
  connection.run(`PRAGMA wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  return connection;
}

/** Held while migrating on PostgreSQL, so instances starting together migrate one at a time. */
export const MIGRATION_LOCK = 727274;

async function migrate(sql: SQL, dialect: Dialect): Promise<void> {
  await sql.begin(async (tx) => {
    // CREATE TABLE IF NOT EXISTS is not safe against itself on PostgreSQL: two instances
    // creating it at once, one fails on the catalogue's unique index (seen on a fresh cluster).
    if (dialect === 'postgres') await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at BIGINT NOT NULL
    )`);
  });
  const applied = new Set((await sql`SELECT version FROM schema_migrations`).map((row: { version: number }) => Number(row.version)));
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await sql.begin(async (tx) => {
      // Several instances may start at once on one PostgreSQL: one migrates, the rest wait.
      if (dialect === 'postgres') {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        const [done] = await tx`SELECT 1 FROM schema_migrations WHERE version = ${migration.version}`;
        if (done) return;
      }
      for (const statement of migration.statements) {
        await tx.unsafe(typeof statement === 'string' ? statement : statement[dialect]);
      }
      await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`;
    });
  }
}
