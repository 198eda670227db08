/**
 * The checks before a socket opens: origin, subprotocol and token. A refusal is plain HTTP
 * (401/403) and no socket opens.
 */
import type { AccessClaims, TokenService } from '../auth/tokens';
import { bearerToken } from '../auth/tokens';

export const SUBPROTOCOL = 'games.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';

export type UpgradePolicy = {
  allowQueryToken: boolean;
  allowedOrigins: readonly string[] | undefined;
};

export type Refusal = { status: 401 | 403; code: string; message: string };
export type Accepted = { claims: AccessClaims; answerSubprotocol: boolean };

type Headers = Record<string, string | undefined>;

export async function checkUpgrade(tokens: TokenService, policy: UpgradePolicy, headers: Headers, query: Headers): Promise<Refusal | Accepted> {
  const origin = headers.origin;
  const isOriginRefused = origin !== undefined && policy.allowedOrigins !== undefined && !policy.allowedOrigins.includes(origin);
  if (isOriginRefused) return { status: 403, code: 'origin_not_allowed', message: 'this Origin may not open a socket' };

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
  const claims = await tokens.verify(token);
  if (!claims) return { status: 401, code: 'unauthorized', message: 'a valid access token is required' };
  return { claims, answerSubprotocol: offered.includes(SUBPROTOCOL) };
}
