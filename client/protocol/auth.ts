/** Accounts on the wire: what signup, login and refresh take, and the user and token responses. */
import { Type as t } from '@sinclair/typebox';

/** `error`: the rule in words, which a refusal says (src/http/index.ts) instead of the pattern. */
export const Username = t.String({ pattern: '^[A-Za-z0-9_]{3,32}$', description: '3 to 32 of A-Z a-z 0-9 _', error: 'username must be 3 to 32 letters, digits or underscores' });
export const Password = t.String({ minLength: 8, maxLength: 128, error: 'password must be 8 to 128 characters' });

export const Credentials = t.Object({ username: Username, password: Password }, { additionalProperties: false });
export type Credentials = typeof Credentials.static;

/** Login takes any strings up to the limits: a wrong-shaped name is just a wrong name (401). */
export const LoginBody = t.Object({ username: t.String({ maxLength: 64 }), password: t.String({ maxLength: 128 }) }, { additionalProperties: false });
export type LoginBody = typeof LoginBody.static;

export const RefreshBody = t.Object({ refresh_token: t.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export type RefreshBody = typeof RefreshBody.static;

export const Role = t.Union([t.Literal('user'), t.Literal('admin')]);
export type Role = typeof Role.static;

export const User = t.Object({ id: t.Integer(), username: t.String(), role: Role, balance: t.Number() });
export type User = typeof User.static;

export const TokenResponse = t.Object({
  access_token: t.String(),
  token_type: t.Literal('bearer'),
  expires_in: t.Integer(),
  refresh_token: t.String(),
  user: User,
});
export type TokenResponse = typeof TokenResponse.static;
