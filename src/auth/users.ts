/** The users table: accounts and their balances (in minor units). */
import type { SQL } from 'bun';
import { fromMinor } from '../money';
import type { Role, User } from '../../client/protocol/auth';

export type UserRow = {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  balance: number;
  /** `blocked` by an admin: no plays, logins or refreshes. */
  status: 'active' | 'blocked';
};

/** Names are unique regardless of case, so "Admin" cannot pose as "admin". */
const usernameKey = (username: string) => username.toLowerCase();

function normalize(row: Record<string, unknown>): UserRow {
  // PostgreSQL returns BIGINT as a string; SQLite as a number.
  return { ...(row as UserRow), id: Number(row.id), balance: Number(row.balance) };
}

export async function findUserByName(sql: SQL, username: string): Promise<UserRow | undefined> {
  const [row] = await sql`SELECT id, username, password_hash, role, balance, status FROM users WHERE username_key = ${usernameKey(username)}`;
  return row ? normalize(row) : undefined;
}

export async function findUserById(sql: SQL, id: number): Promise<UserRow | undefined> {
  const [row] = await sql`SELECT id, username, password_hash, role, balance, status FROM users WHERE id = ${id}`;
  return row ? normalize(row) : undefined;
}

/** The users among `ids` that exist, by id, as anyone may see them (no password hash); unknown ids are absent. */
export async function findPublicUsersByIds(sql: SQL, ids: readonly number[]): Promise<User[]> {
  const rows = await sql`SELECT id, username, role, balance FROM users WHERE id IN ${sql(ids)} ORDER BY id`;
  return rows.map((row: Record<string, unknown>) => publicUser(normalize(row)));
}

/** Inserts a user; returns undefined when the name is taken. */
export async function insertUser(
  sql: SQL,
  user: { username: string; passwordHash: string; role: Role; balanceMinor: number },
): Promise<UserRow | undefined> {
  const [row] = await sql`
    INSERT INTO users (username, username_key, password_hash, role, balance, event_seq, created_at)
    VALUES (${user.username}, ${usernameKey(user.username)}, ${user.passwordHash}, ${user.role}, ${user.balanceMinor}, 0, ${Date.now()})
    ON CONFLICT (username_key) DO NOTHING
    RETURNING id, username, password_hash, role, balance, status`;
  return row ? normalize(row) : undefined;
}

/** The accounts an admin has blocked (few: read through the partial index users_blocked). */
export async function blockedUserIds(sql: SQL): Promise<number[]> {
  const rows = await sql`SELECT id FROM users WHERE status = 'blocked'`;
  return rows.map((row: { id: unknown }) => Number(row.id));
}

export async function isBlocked(sql: SQL, id: number): Promise<boolean> {
  const [row] = await sql`SELECT status FROM users WHERE id = ${id}`;
  return row?.status === 'blocked';
}

export function publicUser(row: Omit<UserRow, 'password_hash' | 'status'>): User {
  return { id: row.id, username: row.username, role: row.role, balance: fromMinor(row.balance) };
}
