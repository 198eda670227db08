/**
 * Access tokens minted by the test itself, with the header and claims the server issues
 * (src/access-tokens.ts) and the test server's secret, so a test can choose the expiry or change
 * any one part of a token and see the server refuse it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Role } from '../../client/protocol/auth';
import { ACCESS_TOKEN_TYPE, AUDIENCE, ISSUER } from '../../src/access-tokens';
import { TEST_SECRET } from './server';

export type JsonObject = Record<string, unknown>;

const HMAC_HASHES = new Map([['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']]);

export const segment = (value: JsonObject) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The server's own header: HS256, typ at+jwt. */
export const accessHeader = (): JsonObject => ({ alg: 'HS256', typ: ACCESS_TOKEN_TYPE });

/** The claims the server puts in an access token for `user`, expiring `expiresIn` seconds from now. */
export function accessClaims(user: { id: number; role?: Role }, expiresIn = 900): JsonObject {
  const now = Math.floor(Date.now() / 1000);
  return { aud: AUDIENCE, iss: ISSUER, sub: String(user.id), role: user.role ?? 'user', exp: now + expiresIn, iat: now };
}

/**
 * Signs `header.claims` as the header's `alg` says: HS* with `secret`, "none" with an empty
 * signature, anything else with random bytes (the server knows no such key).
 */
export function signToken(header: JsonObject, claims: JsonObject, secret: string = TEST_SECRET): string {
  const input = `${segment(header)}.${segment(claims)}`;
  const hash = HMAC_HASHES.get(String(header.alg));
  if (header.alg === 'none') return `${input}.`;
  const signature = hash ? createHmac(hash, secret).update(input).digest() : randomBytes(64);
  return `${input}.${signature.toString('base64url')}`;
}

/**
 * A token for `user` exactly as the server would issue it, unless `changes` say otherwise:
 * a claim or header field set to `undefined` is left out.
 */
export function mintToken(
  user: { id: number; role?: Role },
  changes: { expiresIn?: number; claims?: JsonObject; header?: JsonObject; secret?: string } = {},
): string {
  const omitUndefined = (object: JsonObject) => Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
  const header = omitUndefined({ ...accessHeader(), ...changes.header });
  const claims = omitUndefined({ ...accessClaims(user, changes.expiresIn), ...changes.claims });
  return signToken(header, claims, changes.secret);
}

/** The decoded header and claims of a compact token. */
export function decodeToken(token: string): { header: JsonObject; claims: JsonObject; signature: string } {
  const [header = '', claims = '', signature = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as JsonObject;
  return { header: decode(header), claims: decode(claims), signature };
}
