/**
 * Migration 9 on a database made before it: the active seeds move from `fairness_seeds` into
 * the users' rows, nonces included, and the next play draws from the same seed with the next
 * nonce (no gap, nothing re-committed). `fairness_seeds` stays readable as a view.
 */
import { SQL } from 'bun';
import { describe, expect, it } from 'bun:test';
import { fairOutcome } from '../../src/fairness/outcome';
import { slot } from '../../src/games/slot';
import { openDatabase } from '../../src/storage';
import { migrations } from '../../src/storage/migrations';
import { renderPlay } from '../../src/realtime/play-publisher';
import { Ledger } from '../../src/wallet/ledger';
import { SqlLedgerStore } from '../../src/wallet/sql-ledger-store';
import { SqliteLedgerStore } from '../../src/wallet/sqlite-ledger-store';
import { FIRST_USE_TIMEOUT_MS } from '../support/postgres';
import { testStore } from '../support/server';

const SEED = { server_seed: 'ab'.repeat(32), server_seed_hash: 'cd'.repeat(32), client_seed: 'lucky' };

/** The schema as it was before version 5, with one user who has played 7 times under SEED and one who never played. */
async function oldDatabase(url: string, dialect: 'sqlite' | 'postgres'): Promise<{ played: number; fresh: number }> {
  const sql = new SQL(url);
  try {
    await sql.unsafe('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    for (const migration of migrations.filter((m) => m.version < 9)) {
      for (const statement of migration.statements) await sql.unsafe(typeof statement === 'string' ? statement : statement[dialect]);
      await sql`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, 0)`;
    }
    const ids: number[] = [];
    for (const name of ['played', 'fresh']) {
      const [row] = await sql`INSERT INTO users (username, username_key, password_hash, role, balance, event_seq, created_at)
        VALUES (${name}, ${name}, 'x', 'user', 100000, 7, 0) RETURNING id`;
      ids.push(Number(row.id));
    }
    await sql`INSERT INTO fairness_seeds (user_id, server_seed, server_seed_hash, client_seed, nonce, created_at)
      VALUES (${ids[0]!}, ${SEED.server_seed}, ${SEED.server_seed_hash}, ${SEED.client_seed}, 7, 1234)`;
    return { played: ids[0]!, fresh: ids[1]! };
  } finally {
    await sql.close();
  }
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`migration 9 on ${engine}`, () => {
    it(
      'moves each active seed and its nonce into the users row; the next play takes nonce 7 of the same seed',
      async () => {
        const store = await testStore(engine);
        try {
          const { played, fresh } = await oldDatabase(store.url, engine);
          const db = await openDatabase(store.url);
          try {
            const view = await db.sql`SELECT user_id, server_seed, server_seed_hash, client_seed, nonce, created_at FROM fairness_seeds`;
            expect(view.map((r: Record<string, unknown>) => ({ ...r, user_id: Number(r.user_id), nonce: Number(r.nonce), created_at: Number(r.created_at) }))).toEqual([
              { user_id: played, ...SEED, nonce: 7, created_at: 1234 },
            ]);
            const ledger = new Ledger(db.sqlite ? new SqliteLedgerStore(db.sqlite) : new SqlLedgerStore(db.sql, db.dialect), undefined, { publisher: { render: renderPlay } });
            // Together, so the batch path (seeds read with the account) runs: one user with seeds, one without.
            const outcomes = await Promise.all([played, played, fresh].map((userId) => ledger.play({ userId, game: slot, input: { bet: 1 }, betMinor: 100 })));
            const plays = outcomes.map((o) => (o.kind === 'settled' ? o.play : undefined));
            expect(plays.map((p) => (p?.result.fairness as { nonce: number } | undefined)?.nonce)).toEqual([7, 8, 0]);
            for (const p of plays.slice(0, 2)) {
              const again = fairOutcome(slot, { bet: 1 }, 100, { serverSeed: SEED.server_seed, serverSeedHash: SEED.server_seed_hash, clientSeed: SEED.client_seed, nonce: (p!.result.fairness as { nonce: number }).nonce });
              expect({ result: p!.result, payoutMinor: p!.payoutMinor }).toEqual(again);
            }
            const rows = await db.sql`SELECT id, nonce, server_seed IS NOT NULL AS seeded FROM users ORDER BY id`;
            expect(rows.map((r: Record<string, unknown>) => [Number(r.id), Number(r.nonce), Boolean(Number(r.seeded) || r.seeded === true)])).toEqual([
              [played, 9, true],
              [fresh, 1, true],
            ]);
          } finally {
            await db.close();
          }
        } finally {
          await store.remove();
        }
      },
      FIRST_USE_TIMEOUT_MS,
    );
  });
}
