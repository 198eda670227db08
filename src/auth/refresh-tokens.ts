/**
 * Refresh tokens: random, stored only as a SHA-256 hash, rotated on every use. Each login
 * starts a family; presenting a token that was already spent means it was stolen or replayed,
 * so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).
 */
import type { SQL } from 'bun';
import { accountBlocked, AppError } from '../errors';

const hash = (token: string) => new Bun.CryptoHasher('sha256').update(token).digest('hex');
const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');

const invalidRefreshToken = () => new AppError(401, 'invalid_refresh_token', 'the refresh token is unknown, expired or revoked');

export class RefreshTokenStore {
  constructor(private readonly sql: SQL, private readonly ttlMs: number) {}

  /** Starts a new family for a fresh login or signup. */
  async create(userId: number, sql: SQL = this.sql): Promise<string> {
    return this.insert(sql, userId, randomToken());
  }

  /** Spends `token` and returns the user and a new token of the same family; throws 401 otherwise (403 for a blocked account). */
  async rotate(token: string): Promise<{ userId: number; refreshToken: string }> {
    const now = Date.now();
    const outcome = await this.sql.begin(async (tx) => {
      const [row] = await tx`
        SELECT r.id, r.user_id, r.family, r.expires_at, r.spent_at, r.revoked_at, u.status
        FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ${hash(token)}`;
      if (!row) return { error: invalidRefreshToken() };
      // Before the reuse check: a blocked account's tokens (revoked by the block) are refused as blocked, changing nothing.
      if (row.status === 'blocked') return { error: accountBlocked() };
      const isReused = row.spent_at !== null || row.revoked_at !== null;
      if (isReused) {
        await tx`UPDATE refresh_tokens SET revoked_at = ${now} WHERE family = ${row.family} AND revoked_at IS NULL`;
        return { error: new AppError(401, 'refresh_token_reused', 'this refresh token was already used; every session of its family is revoked') };
      }
      if (Number(row.expires_at) <= now) return { error: invalidRefreshToken() };
      const [spent] = await tx`UPDATE refresh_tokens SET spent_at = ${now} WHERE id = ${row.id} AND spent_at IS NULL RETURNING id`;
      if (!spent) return { error: invalidRefreshToken() };
      const userId = Number(row.user_id);
      return { userId, refreshToken: await this.insert(tx, userId, randomToken(), row.family) };
    });
    // The revocation above must commit, so the error is thrown only after the transaction.
    if ('error' in outcome) throw outcome.error;
    return outcome;
  }

  /** Revokes every refresh token of the user (a block), through `sql` (the block's transaction). */
  async revokeAll(userId: number, sql: SQL = this.sql): Promise<void> {
    await sql`UPDATE refresh_tokens SET revoked_at = ${Date.now()} WHERE user_id = ${userId} AND revoked_at IS NULL`;
  }

  /** Revokes the token's whole family (one login session). Unknown tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const [row] = await this.sql`SELECT family FROM refresh_tokens WHERE token_hash = ${hash(token)}`;
    if (row) await this.sql`UPDATE refresh_tokens SET revoked_at = ${Date.now()} WHERE family = ${row.family} AND revoked_at IS NULL`;
  }

  private async insert(sql: SQL, userId: number, token: string, family = randomToken()): Promise<string> {
    const now = Date.now();
    await sql`INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at, created_at)
              VALUES (${userId}, ${family}, ${hash(token)}, ${now + this.ttlMs}, ${now})`;
    return token;
  }
}
