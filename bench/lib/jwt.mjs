// HS256 JSON Web Tokens with node:crypto only, so that the harness (Bun) and every peer
// (Bun and Node) sign and verify with the very same code: the peers' per-play auth cost is
// then identical, and the harness needs no JWT library.
import { createHmac, timingSafeEqual } from "node:crypto";

/** What our server (src/access-tokens.ts) pins on an access token; the peers check the same. */
export const ISSUER = "game-event-server";
export const AUDIENCE = "game-clients";
/** RFC 9068's header `typ` for access tokens, as our server signs and requires it. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })).toString("base64url");

function mac(secret, signingInput) {
  return createHmac("sha256", secret).update(signingInput).digest();
}

export function signAccessToken(secret, userId, role, ttlSeconds = 3600) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: String(userId), role, typ: "access", iss: ISSUER, aud: AUDIENCE, iat, exp: iat + ttlSeconds };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${mac(secret, body).toString("base64url")}`;
}

export function verifyAccessToken(secret, token) {
  try {
    return verify(secret, token);
  } catch {
    return null; // undecodable base64 or JSON: a malformed token, not a bug
  }
}

function verify(secret, token) {
  if (typeof token !== "string") return null;
  const firstDot = token.indexOf(".");
  const lastDot = token.lastIndexOf(".");
  if (firstDot <= 0 || lastDot === firstDot) return null;
  const header = JSON.parse(Buffer.from(token.slice(0, firstDot), "base64url").toString());
  // Only the algorithm we sign with is accepted (no `alg` confusion), only access tokens.
  if (header?.alg !== "HS256" || header.typ !== ACCESS_TOKEN_TYPE) return null;

  const expected = mac(secret, token.slice(0, lastDot));
  const given = Buffer.from(token.slice(lastDot + 1), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

  const claims = JSON.parse(Buffer.from(token.slice(firstDot + 1, lastDot), "base64url").toString());
  const userId = Number(claims?.sub);
  const isUsable =
    claims?.iss === ISSUER &&
    claims.aud === AUDIENCE &&
    typeof claims.exp === "number" &&
    claims.exp > Date.now() / 1000 &&
    Number.isSafeInteger(userId);
  if (!isUsable) return null;
  return { userId, role: claims.role === "admin" ? "admin" : "user", expiresAt: claims.exp };
}
