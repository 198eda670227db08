/**
 * Access tokens: HS256 JWTs signed and checked through @elysiajs/jwt, with everything RFC 8725
 * asks pinned on verification (algorithm, issuer, audience, type, required expiry).
 */
import { jwt } from '@elysiajs/jwt';
import type { Role } from '../client/protocol/auth';

export const ISSUER = 'game-event-server';
export const AUDIENCE = 'game-clients';
/** RFC 9068's media type for access tokens; a refresh token or ID token will not pass as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const CLOCK_LEEWAY_SECONDS = 5;

export type AccessClaims = {
  userId: number;
  role: Role;
  /** Epoch milliseconds. */
  expiresAt: number;
};

export type IssuedToken = { token: string; expiresIn: number };

/** Why a token was refused: none sent, past its `exp` but otherwise valid, or anything else. */
export type TokenRefusal = 'missing' | 'expired' | 'invalid';

export interface TokenService {
  issue(user: { id: number; role: Role }): Promise<IssuedToken>;
  /** The claims of a valid access token, or undefined for anything else (never throws). */
  verify(token: string | undefined): Promise<AccessClaims | undefined>;
  /** The claims, or why the token was refused (never throws); the refusal is looked into only off the hot path. */
  check(token: string | undefined): Promise<AccessClaims | TokenRefusal>;
}

export function createTokenService(options: { secret: string; ttlSeconds: number; now?: () => number }): TokenService {
  const now = options.now ?? Date.now;
  const plugin = jwt({ name: 'jwt', secret: options.secret, alg: 'HS256', typ: ACCESS_TOKEN_TYPE, iss: ISSUER, aud: AUDIENCE });
  const signer = plugin.decorator.jwt;
  const verified = new Map<string, AccessClaims>();
  const verifyOptions = {
    algorithms: ['HS256'],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: ACCESS_TOKEN_TYPE,
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: CLOCK_LEEWAY_SECONDS,
  };
  return {
    async issue(user) {
      const exp = Math.floor(now() / 1000) + options.ttlSeconds;
      const token = await signer.sign({ sub: String(user.id), role: user.role, exp });
      return { token, expiresIn: options.ttlSeconds };
    },
    async verify(token) {
      if (!token || token.length > 4096) return undefined;
      const cached = verified.get(token);
      if (cached) return now() < cached.expiresAt + CLOCK_LEEWAY_SECONDS * 1000 ? cached : undefined;
      if (!isCanonicalCompactJws(token)) return undefined;
      // jose checks exp and iat against the same injected clock.
      const payload = await signer.verify(token, { ...verifyOptions, currentDate: new Date(now()) });
      if (!payload) return undefined;
      // sub exactly as issue() writes it: "7", never 7, "07" or "7.0".
      const userId = typeof payload.sub === 'string' && /^[1-9]\d{0,14}$/.test(payload.sub) ? Number(payload.sub) : NaN;
      const role = payload.role;
      const isWellFormed = Number.isSafeInteger(userId) && (role === 'user' || role === 'admin') && typeof payload.exp === 'number';
      if (!isWellFormed) return undefined;
      const claims: AccessClaims = Object.freeze({ userId, role, expiresAt: (payload.exp as number) * 1000 });
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, claims);
      return claims;
    },
    async check(token) {
      if (!token) return 'missing';
      const claims = await this.verify(token);
      if (claims) return claims;
      // Refused: expired if it verifies at a moment before its exp (signature, issuer, audience,
      // type and claims all right), so a client knows to refresh rather than log in again.
      const exp = isCanonicalCompactJws(token) ? expOf(token) : undefined;
      if (exp === undefined || exp * 1000 > now()) return 'invalid';
      const earlier = await signer.verify(token, { ...verifyOptions, currentDate: new Date(exp * 1000 - 1000) });
      return earlier ? 'expired' : 'invalid';
    },
  };
}

/** The `exp` claim of a compact JWS, unverified, or undefined. */
function expOf(token: string): number | undefined {
  try {
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verified tokens and their claims, oldest first. A client sends the same token with every
 * play; remembering that it verified skips jose's key import and HMAC on the hot path. Only
 * tokens that passed every check get in, and expiry is still checked on each use.
 */
const VERIFIED_CACHE_SIZE = 10_000;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/;

/**
 * Three base64url segments, the signature in its one canonical spelling. The decoder ignores
 * the spare low bits of the last character and trailing "=", so without this check several
 * different strings would pass as the same token (and a denylist keyed by the string could be
 * side-stepped).
 */
function isCanonicalCompactJws(token: string): boolean {
  const signature = COMPACT_JWS.exec(token)?.[1];
  return signature !== undefined && Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

/** The token in an `Authorization: Bearer …` header, if that is what the header holds. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
