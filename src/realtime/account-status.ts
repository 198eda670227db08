/**
 * Whether an account is blocked, asked before a socket opens. On a SQLite file it is read
 * synchronously on the ledger's `bun:sqlite` connection (a statement prepared once), so the
 * upgrade makes no `Bun.SQL` query per socket; elsewhere, or if that read fails, through
 * `Bun.SQL` as before.
 */
import type { Database } from '../storage';

export type BlockedCheck = (userId: number) => boolean | Promise<boolean>;

/** `readBlocked`: the asynchronous read through `Bun.SQL` (auth/users.ts `isBlocked`), for PostgreSQL or a SQLite read that failed. */
export function blockedCheck(db: Database, readBlocked: (userId: number) => Promise<boolean>): BlockedCheck {
  const statement = db.sqlite?.query<{ status: string }, [number]>('SELECT status FROM users WHERE id = ?1');
  return (userId) => {
    if (statement) {
      try {
        return statement.get(userId)?.status === 'blocked';
      } catch {
        // The asynchronous read below tries again, with a busy timeout.
      }
    }
    return readBlocked(userId);
  };
}

