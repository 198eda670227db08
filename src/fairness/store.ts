/**
 * The seeds in the database. The active seed of a user lives in the user's row of `users`
 * (`server_seed`, `server_seed_hash`, `client_seed`, `nonce`, `seed_created_at`; NULL seeds until
 * first use), so a play's nonce moves in the same row, and in a batch the same statement, as its
 * balance. A rotation copies it to `fairness_revealed` and replaces it. Every write that a play
 * or a rotation depends on locks that row (PostgreSQL) or takes SQLite's one write lock, so a
 * play and a rotation of the same user run one after the other, never interleaved.
 * (`fairness_seeds` is a read-only view of the same columns, for auditors.)
 */
import type { SQL } from 'bun';
import type { Dialect } from '../storage';
import { Params } from '../storage/params';
import { freshSeeds } from './hmac-rng';
import type { RevealedSeed } from './model';

/** The active seed row. `serverSeed` never leaves the server while the row is active. */
export type ActiveSeed = { serverSeed: string; serverSeedHash: string; clientSeed: string; nonce: number };

export type SeedRow = { user_id: number | string; server_seed: string; server_seed_hash: string; client_seed: string; nonce: number | string };

/** The seed columns of a `users` row, named as `SeedRow`. */
export const SEED_COLUMNS = 'id AS user_id, server_seed, server_seed_hash, client_seed, nonce';

export function toActive(row: SeedRow): ActiveSeed {
  return { serverSeed: row.server_seed, serverSeedHash: row.server_seed_hash, clientSeed: row.client_seed, nonce: Number(row.nonce) };
}

/** The seed of a row read with `SEED_COLUMNS` (or with the same names), undefined while none is committed. */
export function seedOf(row: { server_seed: string | null; server_seed_hash: string | null; client_seed: string | null; nonce: number | string | bigint }): ActiveSeed | undefined {
  if (row.server_seed === null || row.server_seed_hash === null || row.client_seed === null) return undefined;
  return { serverSeed: row.server_seed, serverSeedHash: row.server_seed_hash, clientSeed: row.client_seed, nonce: Number(row.nonce) };
}

/**
 * Commits fresh seeds where the user has none (keeping `clientSeed` when given) and returns the
 * row's seeds, in one statement that locks the row. Throws for a user who does not exist.
 */
async function ensureSeeds(sql: SQL, userId: number, clientSeed: string | undefined, now: number): Promise<ActiveSeed> {
  const fresh = freshSeeds(1)[0]!;
  const [row] =
    clientSeed === undefined
      ? await sql`
        UPDATE users SET server_seed = COALESCE(server_seed, ${fresh.serverSeed}), server_seed_hash = COALESCE(server_seed_hash, ${fresh.serverSeedHash}),
          client_seed = COALESCE(client_seed, ${fresh.clientSeed}), seed_created_at = COALESCE(seed_created_at, ${now})
        WHERE id = ${userId} RETURNING id AS user_id, server_seed, server_seed_hash, client_seed, nonce`
      : await sql`
        UPDATE users SET server_seed = COALESCE(server_seed, ${fresh.serverSeed}), server_seed_hash = COALESCE(server_seed_hash, ${fresh.serverSeedHash}),
          client_seed = ${clientSeed}, seed_created_at = COALESCE(seed_created_at, ${now})
        WHERE id = ${userId} RETURNING id AS user_id, server_seed, server_seed_hash, client_seed, nonce`;
  if (!row) throw new Error(`no user ${userId}`);
  return toActive(row as SeedRow);
}

/** The user's active seed, created (and so committed to, at `now`) on first use. */
export function getOrCreate(sql: SQL, dialect: Dialect, userId: number, now = Date.now()): Promise<ActiveSeed> {
  return ensureSeeds(sql, userId, undefined, now);
}

/** Replaces the client seed. The nonce keeps counting: see the migration's comment. */
export function setClientSeed(sql: SQL, dialect: Dialect, userId: number, clientSeed: string): Promise<ActiveSeed> {
  return ensureSeeds(sql, userId, clientSeed, Date.now());
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
      SELECT id, server_seed, server_seed_hash, client_seed, nonce, seed_created_at, ${now} FROM users WHERE id = ${userId}`;
    const next = freshSeeds(1)[0]!;
    const [row] = await tx`
      UPDATE users SET server_seed = ${next.serverSeed}, server_seed_hash = ${next.serverSeedHash}, nonce = 0, seed_created_at = ${now}
      WHERE id = ${userId} RETURNING id AS user_id, server_seed, server_seed_hash, client_seed, nonce`;
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

/**
 * Advances user `?2`'s nonce by `?1` where the user has seeds (the bun:sqlite ledger store
 * prepares it): no fresh seeds are made for a user who has them, the usual case.
 */
export const ADVANCE_NONCES_ONE = `UPDATE users SET nonce = nonce + ?1 WHERE id = ?2 AND server_seed IS NOT NULL RETURNING ${SEED_COLUMNS}`;

/**
 * Takes `?1` nonces of user `?2`, committing the fresh seeds `?3`…`?6` (server seed, its hash,
 * client seed, now) if the user has none: the fallback of `ADVANCE_NONCES_ONE`, in one statement
 * so that seeds committed meanwhile by another instance are kept (the bun:sqlite ledger store
 * prepares it).
 */
export const SEED_AND_TAKE_ONE = `UPDATE users SET server_seed = COALESCE(server_seed, ?3), server_seed_hash = COALESCE(server_seed_hash, ?4),
  client_seed = COALESCE(client_seed, ?5), seed_created_at = COALESCE(seed_created_at, ?6), nonce = nonce + ?1
  WHERE id = ?2 RETURNING ${SEED_COLUMNS}`;

/** Gives back `?1` nonces of user `?2` (the bun:sqlite ledger store prepares it). */
export const GIVE_BACK_ONE = 'UPDATE users SET nonce = nonce - ?1 WHERE id = ?2';

/** The book of nonces taken, from the rows the update returned (each nonce already advanced). */
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
 * plays counted for them, committing fresh seeds for users who have none. Locks the users' rows.
 * The ledger takes nonces this way for a play alone; a batch reads the seeds with the accounts
 * and writes the nonces with them (`readAccounts`/`writeAccounts`).
 */
export async function takeNonces(tx: SQL, dialect: Dialect, counts: Map<number, number>): Promise<NonceBook> {
  const rows: SeedRow[] = [];
  for (const userId of [...counts.keys()].sort((a, b) => a - b)) {
    const count = counts.get(userId)!;
    let [row] = await tx`UPDATE users SET nonce = nonce + ${count} WHERE id = ${userId} AND server_seed IS NOT NULL RETURNING id AS user_id, server_seed, server_seed_hash, client_seed, nonce`;
    if (!row) {
      const fresh = freshSeeds(1)[0]!;
      // One statement: seeds another instance committed since the first one are kept.
      [row] = await tx`
        UPDATE users SET server_seed = COALESCE(server_seed, ${fresh.serverSeed}), server_seed_hash = COALESCE(server_seed_hash, ${fresh.serverSeedHash}),
          client_seed = COALESCE(client_seed, ${fresh.clientSeed}), seed_created_at = COALESCE(seed_created_at, ${Date.now()}), nonce = nonce + ${count}
        WHERE id = ${userId} RETURNING id AS user_id, server_seed, server_seed_hash, client_seed, nonce`;
    }
    if (row) rows.push(row as SeedRow);
  }
  return nonceBook(rows, counts);
}

/** INSIDE `tx`: returns the nonces a play took and did not use, so a refused play leaves no gap. */
export async function giveBack(tx: SQL, dialect: Dialect, book: NonceBook): Promise<void> {
  const unused = book.unused();
  if (unused.size === 0) return;
  const params = new Params(dialect);
  const values = [...unused].map(([userId, count]) => `(${params.add(userId, 'BIGINT')}, ${params.add(count, 'BIGINT')})`);
  await tx.unsafe(`UPDATE users SET nonce = nonce - v.column2 FROM (VALUES ${values.join(', ')}) AS v WHERE users.id = v.column1`, params.values);
}
