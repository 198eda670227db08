/** Accounts: sign-up, login, token refresh and logout. Knows nothing of HTTP. */
import type { SQL } from 'bun';
import { accountBlocked, AppError, conflict, tooManyRequests, unauthorized } from '../errors';
import type { Clock } from '../clock';
import { SharedLoginThrottle, type Shared } from '../limits/shared-limits';
import type { Credentials, LoginBody, TokenResponse, User } from '../../client/protocol/auth';
import type { RefreshTokenStore } from './refresh-tokens';
import type { TokenService } from '../access-tokens';
import { findUserById, findUserByName, insertUser, publicUser, type UserRow } from './users';

export type AuthServiceOptions = {
  sql: SQL;
  tokens: TokenService;
  refreshTokens: RefreshTokenStore;
  initialBalanceMinor: number;
  passwordMemoryKib: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  clock: Clock;
  /** The cluster's limits (Redis): the lockout then holds across instances. */
  shared?: Shared;
};

const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'wrong username or password');

export class AuthService {
  private readonly throttle: SharedLoginThrottle;
  /** A hash to verify against when the user does not exist, so timing does not tell. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly options: AuthServiceOptions) {
    this.throttle = new SharedLoginThrottle(options.loginMaxFailures, options.loginLockoutSeconds * 1000, options.clock, options.shared);
  }

  hashPassword(password: string): Promise<string> {
    // OWASP's argon2id minimum (19 MiB, t=2): ≈50 ms here instead of Bun's 64 MiB default's 250 ms.
    return Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: this.options.passwordMemoryKib, timeCost: 2 });
  }

  async signup({ username, password }: Credentials): Promise<TokenResponse> {
    const passwordHash = await this.hashPassword(password);
    const user = await insertUser(this.options.sql, { username, passwordHash, role: 'user', balanceMinor: this.options.initialBalanceMinor });
    if (!user) throw conflict('username_taken', 'that username is taken');
    return this.tokenResponse(user);
  }

  async login({ username, password }: LoginBody, address: string): Promise<TokenResponse> {
    const keys = [`user:${username.toLowerCase()}`, `addr:${address}`];
    const waitSeconds = Math.max(...(await Promise.all(keys.map((key) => this.throttle.lockedFor(key)))).map((wait) => wait ?? 0));
    if (waitSeconds > 0) throw tooManyRequests('too many failed logins; try again later', waitSeconds);
    const user = await findUserByName(this.options.sql, username);
    const hash = user?.password_hash ?? (await (this.decoyHash ??= this.hashPassword(crypto.randomUUID())));
    const matches = await Bun.password.verify(password, hash);
    if (!user || !matches) {
      await Promise.all(keys.map((key) => this.throttle.fail(key)));
      throw invalidCredentials();
    }
    // Only the name's count: a guesser who also owns an account must not clear the address's.
    await this.throttle.succeed(keys[0]!);
    // Told only to whoever knows the password.
    if (user.status === 'blocked') throw accountBlocked();
    return this.tokenResponse(user);
  }

  async refresh(refreshToken: string): Promise<TokenResponse> {
    const { userId, refreshToken: next } = await this.options.refreshTokens.rotate(refreshToken);
    const user = await findUserById(this.options.sql, userId);
    if (!user) throw unauthorized('the account no longer exists');
    // Blocked between the token's check and now: the token just issued goes unanswered.
    if (user.status === 'blocked') throw accountBlocked();
    return this.tokenResponse(user, next);
  }

  logout(refreshToken: string): Promise<void> {
    return this.options.refreshTokens.revoke(refreshToken);
  }

  async me(userId: number): Promise<User> {
    const user = await findUserById(this.options.sql, userId);
    if (!user) throw unauthorized('the account no longer exists');
    return publicUser(user);
  }

  /** Creates the configured admin, or makes an existing account of that name an admin with that password. */
  async ensureAdmin(username: string, password: string): Promise<void> {
    const passwordHash = await this.hashPassword(password);
    const created = await insertUser(this.options.sql, { username, passwordHash, role: 'admin', balanceMinor: this.options.initialBalanceMinor });
    if (!created) {
      await this.options.sql`UPDATE users SET role = 'admin', password_hash = ${passwordHash} WHERE username_key = ${username.toLowerCase()}`;
    }
  }

  close(): void {
    this.throttle.close();
  }

  private async tokenResponse(user: UserRow, refreshToken?: string): Promise<TokenResponse> {
    const access = await this.options.tokens.issue(user);
    return {
      access_token: access.token,
      token_type: 'bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken ?? (await this.options.refreshTokens.create(user.id)),
      user: publicUser(user),
    };
  }
}
