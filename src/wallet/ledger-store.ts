/**
 * The ledger's storage seam: the statements a play's transaction runs, and nothing of the
 * ledger's logic (which plays settle, in which order, what is refused) — that stays in
 * `ledger.ts`, written once for every backend.
 *
 * Backends: `sql-ledger-store.ts` (`Bun.SQL`, SQLite and PostgreSQL) and
 * `sqlite-ledger-store.ts` (`bun:sqlite`, statements prepared once, the SQLite default).
 *
 * A statement is a `Step`: a generator the ledger runs with `yield*`. An asynchronous backend
 * yields each query's promise and is resumed with its result; a synchronous one returns at once
 * and yields nothing, so a whole transaction runs in one synchronous call and never holds the
 * write lock across an `await`. To read or write more in the same transaction (another table,
 * "these rows for these users"), add a statement here and to each backend.
 */

import { seedOf, type ActiveSeed, type NonceBook } from '../fairness/store';
import type { AuditRow } from '../storage/audit';

/** One statement: yields promises to await (asynchronous backends only), returns its result. */
export type Step<T> = Generator<PromiseLike<unknown>, T, unknown>;

/** `id`: the event's position in the global order (`takePositions`). */
export type EventRow = { id: number; user_id: number; seq: number; game_type: string; bet: number; payout: number; payload: string; created_at: number };
export type KeyRow = { user_id: number; key: string; request_hash: string; status: number; response: string; created_at: number };
/** `blocked`: an admin blocked the account, so it may not play (users.status). */
export type AccountRow = { id: number; balance: number; seq: number; blocked: boolean };
/** An account as a batch reads it: with its active seed (`nonce` the next one), if one is committed. */
export type SeededAccount = AccountRow & { seed: ActiveSeed | undefined };
/** Seeds a batch committed for a user who had none (the first play ever). */
export type NewSeed = { serverSeed: string; serverSeedHash: string; clientSeed: string; createdAt: number };
/**
 * An account moved by a batch: written only if its sequence is still `readSeq`, with the nonce
 * its plays advanced to, and `newSeed` when the batch committed the user's first seeds.
 */
export type AccountWrite = AccountRow & { readSeq: number; nonce: number; newSeed?: NewSeed };
export type UserKey = { userId: number; key: string };
export type StoredKey = { status: number; response: string; requestHash: string };

/** An integer column as a driver returns it (Bun.SQL may give strings, bun:sqlite bigints). */
type DbInt = number | bigint | string;

/** The account in a `users` row (`balance`, `event_seq`, `status` where read), as every backend returns it. */
export const accountOf = (id: number, row: { balance: DbInt; event_seq: DbInt; status?: string }): AccountRow => ({
  id,
  balance: Number(row.balance),
  seq: Number(row.event_seq),
  blocked: row.status === 'blocked',
});

/**
 * SQLite: the newest event id, the AUTOINCREMENT counter (`sqlite_sequence`), which each insert
 * moves to its explicit id. SQLite has one writer, so ids taken from it inside the transaction
 * are in commit order by themselves; PostgreSQL needs the `event_order` row (migration 8).
 */
export const LAST_EVENT_ID = "SELECT seq FROM sqlite_sequence WHERE name = 'events'";

/** A `users` row read with its account and seed columns, as every backend returns it. */
export const seededAccountOf = (
  id: number,
  row: { balance: DbInt; event_seq: DbInt; status?: string; server_seed: string | null; server_seed_hash: string | null; client_seed: string | null; nonce: DbInt },
): SeededAccount => ({ ...accountOf(id, row), seed: seedOf({ ...row, nonce: Number(row.nonce) }) });

/** The columns `seededAccountOf` reads. */
export const SEEDED_ACCOUNT_COLUMNS = 'id, balance, event_seq, status, server_seed, server_seed_hash, client_seed, nonce';

/** The stored key in an `idempotency_keys` row, as every backend returns it. */
export const storedKeyOf = (row: { status: DbInt; response: string; request_hash: string }): StoredKey => ({
  status: Number(row.status),
  response: row.response,
  requestHash: row.request_hash,
});

/** The statements available inside one transaction. */
export interface LedgerStatements {
  /** Inserts the key as in progress (status 0); false if it is already stored. */
  claimKey(row: UserKey & { requestHash: string; at: number }): Step<boolean>;
  /**
   * Debits the bet and credits the payout, taking the user's next sequence, only if the account
   * is active (not blocked) and the balance covers the bet; the account after it, or undefined.
   */
  debit(userId: number, betMinor: number, payoutMinor: number): Step<AccountRow | undefined>;
  /**
   * Adds `amountMinor` (signed) to the balance unless that would take it below zero; the
   * balance after it, or undefined (no such user, or not enough). Takes no sequence: an
   * adjustment is not an event of the user's stream.
   */
  adjust(userId: number, amountMinor: number): Step<number | undefined>;
  /** Inserts a row of the admins' audit log (storage/audit.ts); its id. */
  insertAudit(row: AuditRow): Step<number>;
  /** Forgets a claimed key (its play was refused). */
  dropKey(key: UserKey): Step<void>;
  /** Stores the response of a claimed key (status 200). */
  completeKey(key: UserKey & { response: string }): Step<void>;
  /** Which of these keys are stored, looked up by the (user_id, key) primary key. */
  takenKeys(keys: UserKey[]): Step<UserKey[]>;
  /**
   * Advances each user's fairness nonce (in the `users` row) by their count of plays, committing
   * fresh seeds for a user who has none; the nonces taken. Locks the rows (PostgreSQL). A play
   * alone takes its nonce so; a batch reads and writes nonces with the accounts.
   */
  takeNonces(counts: Map<number, number>): Step<NonceBook>;
  /** Returns the nonces taken and not used (refused plays), so a user's nonces have no gap. */
  giveBack(book: NonceBook): Step<void>;
  /** The accounts of these users (distinct ids) with their status and seeds; on PostgreSQL locked, in id order. */
  readAccounts(userIds: number[]): Step<SeededAccount[]>;
  /** Writes each account (balance, sequence, nonce, new seeds) whose sequence is still its `readSeq`; how many were written. */
  writeAccounts(rows: AccountWrite[]): Step<number>;
  /**
   * The next `count` positions of the events' global order, the first of them returned: the
   * row ids the transaction's events take, in commit order across every instance and
   * transaction (a transaction that takes positions holds the others' at bay until it commits),
   * with no gap (a transaction rolled back gives its positions back). Call it last before
   * `insertEvents`, so that hold is short.
   */
  takePositions(count: number): Step<number>;
  insertEvents(rows: EventRow[]): Step<void>;
  insertKeys(rows: KeyRow[]): Step<void>;
}

export interface LedgerStore {
  /**
   * Runs `work` in one transaction and resolves with its result after the commit; if `work`
   * throws, nothing it wrote stays. May run `work` again if the database was busy before it
   * wrote anything, so `work` must have no effect outside the transaction.
   */
  transaction<T>(work: (tx: LedgerStatements) => Step<T>): Promise<T>;
  /** A stored key, outside any transaction. */
  findKey(key: UserKey): Promise<StoredKey | undefined>;
  /** Deletes the keys created before `createdBefore` (epoch ms). */
  purgeKeys(createdBefore: number): Promise<void>;
}
