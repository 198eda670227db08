/**
 * The ledger's statements on `Bun.SQL`, for PostgreSQL (several instances, row locks) and for
 * SQLite where no file is opened with `bun:sqlite` (`sqlite://:memory:`). A batch runs a fixed
 * number of statements whatever its size: one multi-row statement per table.
 */
import type { SQL } from 'bun';
import type { Dialect } from '../storage';
import { Params } from '../storage/params';
import { giveBack, takeNonces, type NonceBook } from '../fairness/store';
import { insertAudit, type AuditRow } from '../storage/audit';
import { accountOf, LAST_EVENT_ID, SEEDED_ACCOUNT_COLUMNS, seededAccountOf, storedKeyOf, type AccountRow, type AccountWrite, type SeededAccount, type EventRow, type KeyRow, type LedgerStatements, type LedgerStore, type Step, type StoredKey, type UserKey } from './ledger-store';

/** Runs a step, awaiting each promise it yields. */
async function drive<T>(step: Step<T>): Promise<T> {
  let next = step.next();
  while (!next.done) next = step.next(await next.value);
  return next.value;
}

/** Awaits `query` inside a step: the result comes back from `drive`. */
function* awaited<T>(query: PromiseLike<T>): Step<T> {
  return (yield query) as T;
}

class SqlStatements implements LedgerStatements {
  constructor(
    private readonly tx: SQL,
    private readonly dialect: Dialect,
  ) {}

  *claimKey({ userId, key, requestHash, at }: UserKey & { requestHash: string; at: number }): Step<boolean> {
    // On PostgreSQL a claim racing another instance's waits for it to commit, then finds the key taken.
    const rows = yield* awaited(this.tx`
      INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
      VALUES (${userId}, ${key}, ${requestHash}, 0, '', ${at})
      ON CONFLICT (user_id, key) DO NOTHING
      RETURNING user_id`);
    return rows.length > 0;
  }

  *debit(userId: number, betMinor: number, payoutMinor: number): Step<AccountRow | undefined> {
    const [account] = yield* awaited(this.tx`
      UPDATE users SET balance = balance - ${betMinor} + ${payoutMinor}, event_seq = event_seq + 1
      WHERE id = ${userId} AND balance >= ${betMinor} AND status = 'active'
      RETURNING balance, event_seq`);
    return account ? accountOf(userId, account) : undefined;
  }

  *adjust(userId: number, amountMinor: number): Step<number | undefined> {
    const [row] = yield* awaited(this.tx`
      UPDATE users SET balance = balance + ${amountMinor} WHERE id = ${userId} AND balance + ${amountMinor} >= 0 RETURNING balance`);
    return row ? Number(row.balance) : undefined;
  }

  *insertAudit(row: AuditRow): Step<number> {
    return yield* awaited(insertAudit(this.tx, row));
  }

  *dropKey({ userId, key }: UserKey): Step<void> {
    yield* awaited(this.tx`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`);
  }

  *completeKey({ userId, key, response }: UserKey & { response: string }): Step<void> {
    yield* awaited(this.tx`UPDATE idempotency_keys SET status = 200, response = ${response} WHERE user_id = ${userId} AND key = ${key}`);
  }

  /**
   * One OR-ed (user_id, key) pair per key, so both engines use the primary key however many
   * keys are stored (`key IN (…)` alone scanned the table on SQLite).
   */
  *takenKeys(keys: UserKey[]): Step<UserKey[]> {
    if (keys.length === 0) return [];
    const params = new Params(this.dialect);
    const pairs = keys.map(({ userId, key }) => `(user_id = ${params.add(userId, 'BIGINT')} AND key = ${params.add(key)})`);
    const rows = yield* awaited(this.tx.unsafe(`SELECT user_id, key FROM idempotency_keys WHERE ${pairs.join(' OR ')}`, params.values));
    return rows.map((row: { user_id: number | string; key: string }) => ({ userId: Number(row.user_id), key: row.key }));
  }

  *takeNonces(counts: Map<number, number>): Step<NonceBook> {
    return yield* awaited(takeNonces(this.tx, this.dialect, counts));
  }

  *giveBack(book: NonceBook): Step<void> {
    yield* awaited(giveBack(this.tx, this.dialect, book));
  }

  *readAccounts(userIds: number[]): Step<SeededAccount[]> {
    const params = new Params(this.dialect);
    const ids = userIds.map((id) => params.add(id));
    // PostgreSQL: lock the rows in id order (SQLite has one writer and no FOR UPDATE).
    const lock = this.dialect === 'postgres' ? ' ORDER BY id FOR UPDATE' : '';
    const rows = yield* awaited(this.tx.unsafe(`SELECT ${SEEDED_ACCOUNT_COLUMNS} FROM users WHERE id IN (${ids.join(', ')})${lock}`, params.values));
    return rows.map((row: Parameters<typeof seededAccountOf>[1] & { id: number | string }) => seededAccountOf(Number(row.id), row));
  }

  *writeAccounts(rows: AccountWrite[]): Step<number> {
    if (rows.length === 0) return 0;
    // A user's first seeds (rare): one statement each; seeds committed meanwhile fail the guard.
    let seedsLost = 0;
    for (const { id, newSeed } of rows) {
      if (!newSeed) continue;
      const seeded = yield* awaited(this.tx`
        UPDATE users SET server_seed = ${newSeed.serverSeed}, server_seed_hash = ${newSeed.serverSeedHash}, client_seed = ${newSeed.clientSeed}, seed_created_at = ${newSeed.createdAt}
        WHERE id = ${id} AND server_seed IS NULL`);
      if (seeded.count === 0) seedsLost++;
    }
    const params = new Params(this.dialect);
    const values = rows.map(
      (row) =>
        `(${params.add(row.id, 'BIGINT')}, ${params.add(row.balance, 'BIGINT')}, ${params.add(row.seq, 'BIGINT')}, ${params.add(row.readSeq, 'BIGINT')}, ${params.add(row.nonce, 'BIGINT')})`,
    );
    const updated = yield* awaited(
      this.tx.unsafe(
        `UPDATE users SET balance = v.column2, event_seq = v.column3, nonce = v.column5
         FROM (VALUES ${values.join(', ')}) AS v
         WHERE users.id = v.column1 AND users.event_seq = v.column4`,
        params.values,
      ),
    );
    // The affected-row count, not RETURNING: rows returned cost Bun.SQL a fetch and an extra query.
    return updated.count - seedsLost;
  }

  *takePositions(count: number): Step<number> {
    if (this.dialect === 'sqlite') {
      const [row] = yield* awaited(this.tx.unsafe(LAST_EVENT_ID));
      return Number(row?.seq ?? 0) + 1;
    }
    // The one row every play's transaction updates: its lock orders them, held to the commit.
    const [row] = yield* awaited(this.tx`UPDATE event_order SET last = last + ${count} WHERE id = 1 RETURNING last`);
    return Number(row.last) - count + 1;
  }

  *insertEvents(rows: EventRow[]): Step<void> {
    if (rows.length > 0) yield* awaited(this.tx`INSERT INTO events ${this.tx(rows)}`);
  }

  *insertKeys(rows: KeyRow[]): Step<void> {
    if (rows.length > 0) yield* awaited(this.tx`INSERT INTO idempotency_keys ${this.tx(rows)}`);
  }
}

export class SqlLedgerStore implements LedgerStore {
  constructor(
    private readonly sql: SQL,
    private readonly dialect: Dialect,
  ) {}

  transaction<T>(work: (tx: LedgerStatements) => Step<T>): Promise<T> {
    return this.sql.begin((tx) => drive(work(new SqlStatements(tx, this.dialect))));
  }

  async findKey({ userId, key }: UserKey): Promise<StoredKey | undefined> {
    const [row] = await this.sql`SELECT status, response, request_hash FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
    return row ? storedKeyOf(row) : undefined;
  }

  async purgeKeys(createdBefore: number): Promise<void> {
    await this.sql`DELETE FROM idempotency_keys WHERE created_at < ${createdBefore}`;
  }
}
