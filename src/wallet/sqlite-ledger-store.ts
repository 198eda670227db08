/**
 * The ledger's statements on `bun:sqlite`, the SQLite default: each statement prepared once,
 * and a whole transaction run in one synchronous call. Measured per play at 0.4–0.5 of
 * `Bun.SQL`'s CPU in batches of 16 and about a third alone (BENCHMARKS.md, "The ledger's
 * SQLite driver").
 *
 * The rest of the server writes the same file through `Bun.SQL`, whose transactions may hold
 * the write lock across an `await`. A `bun:sqlite` statement waiting for that lock would wait
 * on the only JavaScript thread, so the lock could never be released: the connection has no
 * busy timeout (storage/index.ts opens it so), and a transaction that finds the database busy
 * is tried again after a short pause, off the thread.
 */
import type { Database, Statement } from 'bun:sqlite';
import { freshSeeds } from '../fairness/hmac-rng';
import { ADVANCE_NONCES_ONE, GIVE_BACK_ONE, nonceBook, SEED_AND_TAKE_ONE, type NonceBook, type SeedRow } from '../fairness/store';
import { INSERT_AUDIT, type AuditRow } from '../storage/audit';
import {
  accountOf,
  LAST_EVENT_ID,
  SEEDED_ACCOUNT_COLUMNS,
  seededAccountOf,
  storedKeyOf,
  type AccountRow,
  type AccountWrite,
  type EventRow,
  type KeyRow,
  type LedgerStatements,
  type LedgerStore,
  type SeededAccount,
  type Step,
  type StoredKey,
  type UserKey,
} from './ledger-store';

/** How long a transaction keeps trying while the database is busy, as `busy_timeout` did. */
export const BUSY_RETRY_MS = 5000;
const FIRST_PAUSE_MS = 1;
const LONGEST_PAUSE_MS = 16;

/** Runs a step that must not wait for anything: this backend's statements return at once. */
function atOnce<T>(step: Step<T>): T {
  const next = step.next();
  if (!next.done) throw new Error('a bun:sqlite transaction cannot wait for a promise');
  return next.value;
}

const isBusy = (error: unknown) => (error as { code?: unknown })?.code === 'SQLITE_BUSY';

type Num = number | bigint;

class SqliteStatements implements LedgerStatements {
  private readonly claim: Statement<{ user_id: Num }>;
  private readonly debitOne: Statement<{ balance: Num; event_seq: Num }>;
  private readonly drop: Statement;
  private readonly complete: Statement;
  private readonly findOneKey: Statement<{ status: Num; response: string; request_hash: string }>;
  private readonly advanceNoncesOne: Statement<SeedRow>;
  private readonly seedAndTakeOne: Statement<SeedRow>;
  private readonly giveBackOne: Statement;
  private readonly readOne: Statement<{ id: Num; balance: Num; event_seq: Num; status: string; server_seed: string | null; server_seed_hash: string | null; client_seed: string | null; nonce: Num }>;
  private readonly adjustOne: Statement<{ balance: Num }>;
  private readonly insertAuditOne: Statement<{ id: Num }>;
  private readonly writeOne: Statement;
  private readonly writeSeed: Statement;
  private readonly insertEvent: Statement;
  private readonly lastPosition: Statement<{ seq: Num }>;
  private readonly insertKey: Statement;
  readonly purge: Statement;

  constructor(db: Database) {
    this.claim = db.prepare(`INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
      VALUES (?, ?, ?, 0, '', ?) ON CONFLICT (user_id, key) DO NOTHING RETURNING user_id`);
    this.debitOne = db.prepare(`UPDATE users SET balance = balance - ?1 + ?2, event_seq = event_seq + 1
      WHERE id = ?3 AND balance >= ?1 AND status = 'active' RETURNING balance, event_seq`);
    this.drop = db.prepare('DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?');
    this.complete = db.prepare('UPDATE idempotency_keys SET status = 200, response = ? WHERE user_id = ? AND key = ?');
    this.findOneKey = db.prepare('SELECT status, response, request_hash FROM idempotency_keys WHERE user_id = ? AND key = ?');
    this.advanceNoncesOne = db.prepare(ADVANCE_NONCES_ONE);
    this.seedAndTakeOne = db.prepare(SEED_AND_TAKE_ONE);
    this.giveBackOne = db.prepare(GIVE_BACK_ONE);
    this.readOne = db.prepare(`SELECT ${SEEDED_ACCOUNT_COLUMNS} FROM users WHERE id = ?`);
    this.adjustOne = db.prepare('UPDATE users SET balance = balance + ?1 WHERE id = ?2 AND balance + ?1 >= 0 RETURNING balance');
    this.insertAuditOne = db.prepare(INSERT_AUDIT);
    // The balance, the sequence and the nonce in one row and one statement.
    this.writeOne = db.prepare('UPDATE users SET balance = ?, event_seq = ?, nonce = ? WHERE id = ? AND event_seq = ?');
    this.writeSeed = db.prepare('UPDATE users SET server_seed = ?, server_seed_hash = ?, client_seed = ?, seed_created_at = ? WHERE id = ? AND server_seed IS NULL');
    this.insertEvent = db.prepare('INSERT INTO events (id, user_id, seq, game_type, bet, payout, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.lastPosition = db.prepare(LAST_EVENT_ID);
    this.insertKey = db.prepare('INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.purge = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  }

  *claimKey({ userId, key, requestHash, at }: UserKey & { requestHash: string; at: number }): Step<boolean> {
    return this.claim.get(userId, key, requestHash, at) !== null;
  }

  *debit(userId: number, betMinor: number, payoutMinor: number): Step<AccountRow | undefined> {
    const account = this.debitOne.get(betMinor, payoutMinor, userId);
    return account ? accountOf(userId, account) : undefined;
  }

  *adjust(userId: number, amountMinor: number): Step<number | undefined> {
    const row = this.adjustOne.get(amountMinor, userId);
    return row ? Number(row.balance) : undefined;
  }

  *insertAudit({ at, admin_id, action, user_id, amount, reason }: AuditRow): Step<number> {
    return Number(this.insertAuditOne.get(at, admin_id, action, user_id, amount, reason)!.id);
  }

  *dropKey({ userId, key }: UserKey): Step<void> {
    this.drop.run(userId, key);
  }

  *completeKey({ userId, key, response }: UserKey & { response: string }): Step<void> {
    this.complete.run(response, userId, key);
  }

  // The batch statements run once per row: prepared one-row statements cost less CPU than one
  // statement per row count, prepared once per count (16–20 against 22–26 µs a play, BENCHMARKS.md).
  *takenKeys(keys: UserKey[]): Step<UserKey[]> {
    return keys.filter(({ userId, key }) => this.findOneKey.get(userId, key) !== null);
  }

  *takeNonces(counts: Map<number, number>): Step<NonceBook> {
    // One UPDATE per user; fresh seeds are made only for a user with none yet.
    const rows: SeedRow[] = [];
    for (const [userId, count] of [...counts].sort(([a], [b]) => a - b)) {
      let row = this.advanceNoncesOne.get(count, userId);
      if (!row) {
        const fresh = freshSeeds(1)[0]!;
        row = this.seedAndTakeOne.get(count, userId, fresh.serverSeed, fresh.serverSeedHash, fresh.clientSeed, Date.now());
      }
      if (row) rows.push(row);
    }
    return nonceBook(rows, counts);
  }

  *giveBack(book: NonceBook): Step<void> {
    for (const [userId, count] of book.unused()) this.giveBackOne.run(count, userId);
  }

  *readAccounts(userIds: number[]): Step<SeededAccount[]> {
    const rows: SeededAccount[] = [];
    for (const id of userIds) {
      const row = this.readOne.get(id);
      if (row) rows.push(seededAccountOf(id, row));
    }
    return rows;
  }

  *writeAccounts(rows: AccountWrite[]): Step<number> {
    let written = 0;
    for (const row of rows) {
      const { newSeed } = row;
      // Seeds committed meanwhile by someone else: the plays drew from others, so the guard fails.
      if (newSeed && this.writeSeed.run(newSeed.serverSeed, newSeed.serverSeedHash, newSeed.clientSeed, newSeed.createdAt, row.id).changes === 0) continue;
      written += this.writeOne.run(row.balance, row.seq, row.nonce, row.id, row.readSeq).changes;
    }
    return written;
  }

  *takePositions(): Step<number> {
    return Number(this.lastPosition.get()?.seq ?? 0) + 1;
  }

  *insertEvents(rows: EventRow[]): Step<void> {
    for (const row of rows) this.insertEvent.run(row.id, row.user_id, row.seq, row.game_type, row.bet, row.payout, row.payload, row.created_at);
  }

  *insertKeys(rows: KeyRow[]): Step<void> {
    for (const row of rows) this.insertKey.run(row.user_id, row.key, row.request_hash, row.status, row.response, row.created_at);
  }

  findKey({ userId, key }: UserKey): StoredKey | undefined {
    const row = this.findOneKey.get(userId, key);
    return row ? storedKeyOf(row) : undefined;
  }
}

export class SqliteLedgerStore implements LedgerStore {
  private readonly statements: SqliteStatements;
  /** Runs a step in a transaction; IMMEDIATE takes the write lock at BEGIN, so a busy database fails before the step runs. */
  private readonly inTransaction: (work: (tx: LedgerStatements) => Step<unknown>) => unknown;

  /**
   * `db`: a connection to the server's SQLite file with `busy_timeout = 0` (storage/index.ts).
   * `busyRetryMs`: how long a transaction keeps trying while the database is busy.
   */
  constructor(
    db: Database,
    private readonly busyRetryMs = BUSY_RETRY_MS,
  ) {
    const statements = new SqliteStatements(db);
    this.statements = statements;
    this.inTransaction = db.transaction((work: (tx: LedgerStatements) => Step<unknown>) => atOnce(work(statements))).immediate;
  }

  transaction<T>(work: (tx: LedgerStatements) => Step<T>): Promise<T> {
    return this.whenFree(() => this.inTransaction(work) as T);
  }

  findKey(key: UserKey): Promise<StoredKey | undefined> {
    return this.whenFree(() => this.statements.findKey(key));
  }

  async purgeKeys(createdBefore: number): Promise<void> {
    await this.whenFree(() => this.statements.purge.run(createdBefore));
  }

  /** Runs `attempt` now, and again after a growing pause each time the database is busy. */
  private async whenFree<T>(attempt: () => T): Promise<T> {
    const deadline = Date.now() + this.busyRetryMs;
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
      try {
        return attempt();
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw error;
      }
      await Bun.sleep(pause);
    }
  }
}
