/** Accounts and tokens: the token service, the refresh tokens, the auth service. */
import { RefreshTokenStore } from '../auth/refresh-tokens';
import { AuthService } from '../auth/service';
import { createTokenService } from '../access-tokens';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Shared } from '../limits/shared-limits';
import { toMinor } from '../money';
import type { Database } from '../storage';

export function buildAuth(config: Config, db: Database, clock: Clock, jwtSecret: string, shared: Shared | undefined) {
  const tokens = createTokenService({ secret: jwtSecret, ttlSeconds: config.JWT_TTL_SECONDS, now: () => clock.now() });
  const refreshTokens = new RefreshTokenStore(db.sql, config.REFRESH_TTL_SECONDS * 1000);
  const auth = new AuthService({
    sql: db.sql,
    tokens,
    refreshTokens,
    initialBalanceMinor: toMinor(config.INITIAL_BALANCE) ?? Math.round(config.INITIAL_BALANCE * 100),
    passwordMemoryKib: config.PASSWORD_MEMORY_KIB,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    loginLockoutSeconds: config.LOGIN_LOCKOUT_SECONDS,
    clock,
    shared,
  });
  return { tokens, refreshTokens, auth };
}
