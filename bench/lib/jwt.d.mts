export type Role = "user" | "admin";
export interface Principal {
  userId: number;
  role: Role;
  /** `exp` claim, in seconds since the epoch. */
  expiresAt: number;
}
export declare const ISSUER: string;
export declare const AUDIENCE: string;
export declare const ACCESS_TOKEN_TYPE: string;
/** An access token as our server issues it: header `typ: at+jwt`; claims `sub`, `role`, `typ`, `iss`, `aud`, `iat`, `exp`. */
export declare function signAccessToken(secret: string, userId: number, role: Role, ttlSeconds?: number): string;
/** The principal of a valid, unexpired access token signed with `secret`, else `null`. */
export declare function verifyAccessToken(secret: string, token: string | null | undefined): Principal | null;
