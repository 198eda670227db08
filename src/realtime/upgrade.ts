/**
 * The checks before a socket opens: origin, subprotocol and token. A refusal is plain HTTP
 * (401/403) and no socket opens.
 */
import type { AccessClaims, TokenService } from '../access-tokens';
import { bearerToken } from '../access-tokens';
import { bearerRefused } from '../errors';
import { BEARER_PROTOCOL_PREFIX, SUBPROTOCOL } from '../../client/protocol/messages';

export type UpgradePolicy = {
  allowQueryToken: boolean;
  allowedOrigins: readonly string[] | undefined;
  /** PUBLIC_URL's origin: the server's own pages as users reach them behind a proxy. */
  publicOrigin?: string;
};

export type Refusal = { status: 401 | 403; code: string; message: string; headers?: Record<string, string> };

/**
 * Whether a socket may open from `origin`. No Origin (not a browser) and no list: yes. The
 * server's own origin always may (its /monitor page is served from it): the page's origin has
 * the host the request was sent to, or is PUBLIC_URL's.
 */
export function isOriginAllowed(policy: UpgradePolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || policy.allowedOrigins === undefined || policy.allowedOrigins.includes(origin)) return true;
  if (origin === policy.publicOrigin) return true;
  return host !== undefined && hostOf(origin) === host.toLowerCase();
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
export type Accepted = { claims: AccessClaims; answerSubprotocol: boolean };

type Headers = Record<string, string | undefined>;

export async function checkUpgrade(tokens: TokenService, policy: UpgradePolicy, headers: Headers, query: Headers): Promise<Refusal | Accepted> {
  if (!isOriginAllowed(policy, headers.origin, headers.host)) return { status: 403, code: 'origin_not_allowed', message: 'this Origin may not open a socket' };

  const offered = (headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const fromProtocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
  // Without games.v1 to answer, Bun would answer the first protocol offered: the token itself.
  if (fromProtocol !== undefined && !offered.includes(SUBPROTOCOL)) {
    return { status: 401, code: 'subprotocol_required', message: `offer ${SUBPROTOCOL} beside the bearer.<token> subprotocol` };
  }
  const fromQuery = query.token;
  if (fromQuery !== undefined && !policy.allowQueryToken) {
    return { status: 401, code: 'query_token_refused', message: 'tokens in the URL are disabled; use Authorization: Bearer or the bearer.<token> subprotocol' };
  }
  const token = bearerToken(headers.authorization) ?? fromProtocol ?? fromQuery;
  const claims = await tokens.check(token);
  if (typeof claims === 'string') {
    const { code, message, headers: challenge } = bearerRefused(claims);
    return { status: 401, code, message, headers: challenge };
  }
  return { claims, answerSubprotocol: offered.includes(SUBPROTOCOL) };
}
