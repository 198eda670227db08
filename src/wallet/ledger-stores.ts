/**
 * Which backend runs the ledger's statements: `bun:sqlite` on a SQLite file (about 0.4 of
 * `Bun.SQL`'s CPU per play, BENCHMARKS.md), `Bun.SQL` everywhere else.
 */
import type { Database } from '../storage';
import type { LedgerStore } from './ledger-store';
import { SqlLedgerStore } from './sql-ledger-store';
import { SqliteLedgerStore } from './sqlite-ledger-store';

export function ledgerStoreFor(db: Database): LedgerStore {
  switch (db.dialect) {
    case 'sqlite':
      // sqlite://:memory: has no file a second connection could open.
      return db.sqlite ? new SqliteLedgerStore(db.sqlite) : new SqlLedgerStore(db.sql, db.dialect);
    case 'postgres':
      return new SqlLedgerStore(db.sql, db.dialect);
    default:
      throw new Error(`no ledger store for the ${db.dialect satisfies never} dialect`);
  }
}
