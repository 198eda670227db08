/** Reading the seed tables of a test server's SQLite file directly, as an auditor would. */
import { Database } from 'bun:sqlite';
import { join } from 'node:path';

/** Every seed row of the test server's database (active and revealed), read directly. */
export function seedRows(server: { dir: string }): { active: Record<string, unknown>[]; revealed: Record<string, unknown>[] } {
  const db = new Database(join(server.dir, 'games.sqlite'), { readonly: true });
  try {
    return { active: db.query('SELECT * FROM fairness_seeds ORDER BY user_id').all() as Record<string, unknown>[], revealed: db.query('SELECT * FROM fairness_revealed ORDER BY id').all() as Record<string, unknown>[] };
  } finally {
    db.close();
  }
}
