/**
 * The seeds in the database. The active seed of a user is one row of `fairness_seeds`; a
 * rotation copies it to `fairness_revealed` and replaces it. Every write that a play or a
 * rotation depends on locks that row (PostgreSQL) or takes SQLite's one write lock, so a play
 * and a rotation of the same user run one after the other, never interleaved.
 */
import type { SQL } from 'bun';
import type { Dialect } from '../storage';
import { Params } from '../storage/params';
import { freshSeeds } from './hmac-rng';
import type { RevealedSeed } from './model';

/** The active seed row. `serverSeed` never leaves the server while the row is active. */
export type ActiveSeed = { serverSeed: string; serverSeedHash: string; clientSeed: string; nonce: number };

export type SeedRow = { user_id: number | string; server_seed: string; server_seed_hash: string; client_seed: string; nonce: number | string };

const COLUMNS = 'user_id, server_seed, server_seed_hash, client_seed, nonce';

function toActive(row: SeedRow): ActiveSeed {
  return { serverSeed: row.server_seed, serverSeedHash: row.server_seed_hash, clientSeed: row.client_seed, nonce: Number(row.nonce) };
}


/**
 * Creates the user's seed row when missing and applies `set` (a SQL assignment list over the
 * existing row, `excluded` being the row that would have been inserted), in one statement that
 * locks the row. Returns the row as it stands afterwards.
 */
async function upsert(sql: SQL, dialect: Dialect, userId: number, set: string, clientSeed?: string, now = Date.now()): Promise<ActiveSeed> {
  const fresh = freshSeeds(1)[0]!;
  const params = new Params(dialect);
  const values = [userId, fresh.serverSeed, fresh.serverSeedHash, clientSeed ?? fresh.clientSeed, 0, now].map((value) => params.add(value));
  const [row] = await sql.unsafe(
    `INSERT INTO fairness_seeds (${COLUMNS}, created_at) VALUES (${values.join(', ')})
     ON CONFLICT (user_id) DO UPDATE SET ${set} RETURNING ${COLUMNS}`,
    params.values,
  );
  return toActive(row as SeedRow);
}

/** The user's active seed, created (and so committed to, at `now`) on first use. */
export function getOrCreate(sql: SQL, dialect: Dialect, userId: number, now = Date.now()): Promise<ActiveSeed> {
  return upsert(sql, dialect, userId, 'nonce = fairness_seeds.nonce', undefined, now);
}

/** Replaces the client seed. The nonce keeps counting: see the table's comment. */
export function setClientSeed(sql: SQL, dialect: Dialect, userId: number, clientSeed: string): Promise<ActiveSeed> {
  return upsert(sql, dialect, userId, 'client_seed = excluded.client_seed', clientSeed);
}

/**
 * Reveals the active seed and commits to a new one with the nonce back at 0, in one
 * transaction that starts by locking the row: a play that already advanced the nonce has
 * committed before the seed is read, and a later play reads the new seed.
 */
export function rotate(sql: SQL, dialect: Dialect, userId: number, now = Date.now()): Promise<{ revealed: ActiveSeed; active: ActiveSeed }> {
  return sql.begin(async (tx) => {
    // Created at `now` if missing, so a seed is never created after it was revealed.
    const revealed = await getOrCreate(tx, dialect, userId, now);
    // The row as it stands, copied in SQL: no second read of it.
    await tx`
      INSERT INTO fairness_revealed (user_id, server_seed, server_seed_hash, client_seed, nonce, created_at, revealed_at)
      SELECT user_id, server_seed, server_seed_hash, client_seed, nonce, created_at, ${now} FROM fairness_seeds WHERE user_id = ${userId}`;
    const next = freshSeeds(1)[0]!;
    const [row] = await tx`
      UPDATE fairness_seeds SET server_seed = ${next.serverSeed}, server_seed_hash = ${next.serverSeedHash}, nonce = 0, created_at = ${now}
      WHERE user_id = ${userId} RETURNING user_id, server_seed, server_seed_hash, client_seed, nonce`;
    return { revealed, active: toActive(row as SeedRow) };
  });
}

/** A user's revealed seeds, newest first, `limit` of them older than `before` (an id). */
export async function revealedPage(sql: SQL, userId: number, before: number | undefined, limit: number): Promise<RevealedSeed[]> {
  const rows = await sql`
    SELECT id, server_seed, server_seed_hash, client_seed, nonce, created_at, revealed_at FROM fairness_revealed
    WHERE user_id = ${userId} AND id < ${before ?? Number.MAX_SAFE_INTEGER} ORDER BY id DESC LIMIT ${limit}`;
  return rows.map((row: Record<string, string | number>) => ({
    id: Number(row.id),
    server_seed: String(row.server_seed),
    server_seed_hash: String(row.server_seed_hash),
    client_seed: String(row.client_seed),
    nonce: Number(row.nonce),
    created_at: new Date(Number(row.created_at)).toISOString(),
    revealed_at: new Date(Number(row.revealed_at)).toISOString(),
  }));
}

/** The seeds of one play: what its Rng is built from and what its result shows. */
export type PlaySeed = ActiveSeed;

/**
 * Nonces taken for a batch of plays: `next(userId)` hands a user's plays consecutive nonces in
 * the order asked. Nonces taken but not used (a refused play) go back with `giveBack`.
 */
export class NonceBook {
  private readonly used = new Map<number, number>();

  constructor(
    /** Per user: the seeds and the first nonce taken. */
    private readonly taken: Map<number, ActiveSeed>,
    private readonly counts: Map<number, number>,
  ) {}

  next(userId: number): PlaySeed {
    const seed = this.taken.get(userId);
    const used = this.used.get(userId) ?? 0;
    if (!seed || used >= (this.counts.get(userId) ?? 0)) throw new Error(`no nonce taken for user ${userId}`);
    this.used.set(userId, used + 1);
    return { ...seed, nonce: seed.nonce + used };
  }

  /** Takes back the last nonce handed to the user: its play was refused after it drew. */
  release(userId: number): this {
    this.used.set(userId, (this.used.get(userId) ?? 1) - 1);
    return this;
  }

  /** Per user, how many nonces were taken and not handed out. */
  unused(): Map<number, number> {
    const left = new Map<number, number>();
    for (const [userId, count] of this.counts) {
      const unused = count - (this.used.get(userId) ?? 0);
      if (unused > 0) left.set(userId, unused);
    }
    return left;
  }
}

/** What taking nonces upserts, `counts` being the plays of each user. */
const TAKE_NONCES = (values: string) =>
  `INSERT INTO fairness_seeds (${COLUMNS}, created_at) VALUES ${values}
   ON CONFLICT (user_id) DO UPDATE SET nonce = fairness_seeds.nonce + excluded.nonce RETURNING ${COLUMNS}`;

/** The same upsert for one user, with `?` parameters in `nonceRows` order (the bun:sqlite ledger store prepares it). */
export const TAKE_NONCES_ONE = TAKE_NONCES('(?, ?, ?, ?, ?, ?)');

/**
 * Advances user `?2`'s nonce by `?1` where the row exists (the bun:sqlite ledger store prepares
 * it): no fresh seeds are made for a user who has them, the usual case.
 */
export const ADVANCE_NONCES_ONE = `UPDATE fairness_seeds SET nonce = nonce + ?1 WHERE user_id = ?2 RETURNING ${COLUMNS}`;

/** Gives back `?1` nonces of user `?2` (the bun:sqlite ledger store prepares it). */
export const GIVE_BACK_ONE = 'UPDATE fairness_seeds SET nonce = nonce - ?1 WHERE user_id = ?2';

/**
 * The rows taking nonces upserts, in user id order (the lock order of every batch): fresh seeds,
 * used only where the user has no row yet, and the user's play count as the nonce increment.
 */
export function nonceRows(counts: Map<number, number>, now = Date.now()): (number | string)[][] {
  const fresh = freshSeeds(counts.size);
  return [...counts.keys()].sort((a, b) => a - b).map((userId, i) => {
    const { serverSeed, serverSeedHash, clientSeed } = fresh[i]!;
    return [userId, serverSeed, serverSeedHash, clientSeed, counts.get(userId)!, now];
  });
}

/** The book of nonces taken, from the rows the upsert returned (each nonce already advanced). */
export function nonceBook(rows: readonly SeedRow[], counts: Map<number, number>): NonceBook {
  const taken = new Map<number, ActiveSeed>();
  for (const row of rows) {
    const userId = Number(row.user_id);
    const seed = toActive(row);
    // RETURNING gives the advanced nonce: the first one taken is that minus the count.
    taken.set(userId, { ...seed, nonce: seed.nonce - counts.get(userId)! });
  }
  return new NonceBook(taken, counts);
}

/**
 * INSIDE the play transaction `tx`: reads and advances the nonce of each user by the number of
 * plays counted for them, creating missing seed rows, in ONE statement whatever the batch size.
 * Rows are written in user id order, the lock order of every batch.
 */
export async function takeNonces(tx: SQL, dialect: Dialect, counts: Map<number, number>): Promise<NonceBook> {
  if (counts.size === 0) return new NonceBook(new Map(), counts);
  const params = new Params(dialect);
  const values = nonceRows(counts).map((row) => `(${row.map((value) => params.add(value)).join(', ')})`);
  const rows = await tx.unsafe(TAKE_NONCES(values.join(', ')), params.values);
  return nonceBook(rows as SeedRow[], counts);
}

/** INSIDE `tx`: returns the nonces a batch took and did not use, so a refused play leaves no gap. */
export async function giveBack(tx: SQL, dialect: Dialect, book: NonceBook): Promise<void> {
  const unused = book.unused();
  if (unused.size === 0) return;
  const params = new Params(dialect);
  const values = [...unused].map(([userId, count]) => `(${params.add(userId, 'BIGINT')}, ${params.add(count, 'BIGINT')})`);
  await tx.unsafe(
    `UPDATE fairness_seeds SET nonce = nonce - v.column2 FROM (VALUES ${values.join(', ')}) AS v WHERE fairness_seeds.user_id = v.column1`,
    params.values,
  );
}
