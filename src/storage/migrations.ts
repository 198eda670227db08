/**
 * Schema migrations, one list for both dialects. Each step names its statements per dialect
 * only where they differ (identity columns); everything else is portable SQL. Money columns
 * hold integer minor units (cents), never floats.
 */
export type Dialect = 'sqlite' | 'postgres';

type Statement = string | Record<Dialect, string>;

export type Migration = { version: number; name: string; statements: Statement[] };

const identity: Record<Dialect, string> = {
  sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  postgres: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
};

const perDialect = (build: (d: Dialect) => string): Record<Dialect, string> => ({
  sqlite: build('sqlite'),
  postgres: build('postgres'),
});

/**
 * Applied in this list's order, each once (a version already in schema_migrations is skipped),
 * so a version's place in the list, not its number, is the order a fresh database is built in.
 * Versions are never renumbered: 4 landed before 3, and 2 was reserved and never used.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'users, events, idempotency keys, refresh tokens',
    statements: [
      perDialect((d) => `CREATE TABLE users (
        id ${identity[d]},
        username TEXT NOT NULL,
        username_key TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
        balance BIGINT NOT NULL CHECK (balance >= 0),
        event_seq BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
      )`),
      // One row per play; `payload` is the game_event exactly as it was published, so resume
      // and the snapshot after a restart send the same bytes the live stream sent.
      perDialect((d) => `CREATE TABLE events (
        id ${identity[d]},
        user_id BIGINT NOT NULL REFERENCES users (id),
        seq BIGINT NOT NULL,
        game_type TEXT NOT NULL,
        bet BIGINT NOT NULL,
        payout BIGINT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (user_id, seq)
      )`),
      `CREATE TABLE idempotency_keys (
        user_id BIGINT NOT NULL REFERENCES users (id),
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, key)
      )`,
      'CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)',
      perDialect((d) => `CREATE TABLE refresh_tokens (
        id ${identity[d]},
        user_id BIGINT NOT NULL REFERENCES users (id),
        family TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        expires_at BIGINT NOT NULL,
        spent_at BIGINT,
        revoked_at BIGINT,
        created_at BIGINT NOT NULL
      )`),
      'CREATE INDEX refresh_tokens_family ON refresh_tokens (family)',
    ],
  },
  {
    version: 4,
    name: 'events by time, for the recent events and for catching up after a broker outage',
    statements: ['CREATE INDEX events_created_at ON events (created_at)'],
  },
  {
    version: 3,
    name: 'provably fair seeds',
    statements: [
      // The active commitment per user. `nonce` counts the plays drawn under this server seed
      // (whatever client seeds they used), so no (server seed, client seed, nonce) repeats.
      `CREATE TABLE fairness_seeds (
        user_id BIGINT PRIMARY KEY REFERENCES users (id),
        server_seed TEXT NOT NULL,
        server_seed_hash TEXT NOT NULL,
        client_seed TEXT NOT NULL,
        nonce BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      // Seeds retired by a rotation, now public; `nonce` is how many plays used the seed.
      perDialect((d) => `CREATE TABLE fairness_revealed (
        id ${identity[d]},
        user_id BIGINT NOT NULL REFERENCES users (id),
        server_seed TEXT NOT NULL,
        server_seed_hash TEXT NOT NULL,
        client_seed TEXT NOT NULL,
        nonce BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        revealed_at BIGINT NOT NULL
      )`),
      'CREATE INDEX fairness_revealed_user ON fairness_revealed (user_id, id)',
    ],
  },
  {
    version: 5,
    name: 'period totals per game from an index alone, in place of events_created_at',
    statements: [
      // Every column the period totals read (src/admin/stats.ts): the database sums each
      // game's range of this index and never reads the rows. Led by the game, so a group is a
      // range already (no sort), and one game's totals read only its own entries. It replaces
      // events_created_at rather than joining it: each index an insert keeps costs a play CPU
      // (bench/micro/ledger-schema.ts); the readers by time name every game to use it.
      'CREATE INDEX events_totals ON events (game_type, created_at, bet, payout)',
      'DROP INDEX events_created_at',
    ],
  },
  {
    version: 6,
    name: 'account status: active or blocked by an admin',
    statements: ["ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked'))"],
  },
  {
    version: 7,
    name: "the admins' audit log, append-only; blocked accounts and a user's refresh tokens by index",
    statements: [
      // One row per admin action (src/storage/audit.ts), written in the action's own
      // transaction. `amount`: an adjustment's signed minor units, null for the others.
      perDialect((d) => `CREATE TABLE admin_audit (
        id ${identity[d]},
        at BIGINT NOT NULL,
        admin_id BIGINT NOT NULL REFERENCES users (id),
        action TEXT NOT NULL CHECK (action IN ('adjust', 'block', 'unblock', 'disconnect')),
        user_id BIGINT NOT NULL REFERENCES users (id),
        amount BIGINT,
        reason TEXT NOT NULL
      )`),
      'CREATE INDEX admin_audit_user ON admin_audit (user_id, id)',
      // Nothing rewrites history, whatever the code above the database does.
      {
        sqlite: `CREATE TRIGGER admin_audit_append_only BEFORE UPDATE ON admin_audit
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
        postgres: `CREATE FUNCTION admin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$`,
      },
      {
        sqlite: `CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
          BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
        postgres: 'CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit FOR EACH ROW EXECUTE FUNCTION admin_audit_append_only()',
      },
      // The few blocked accounts, read by every instance's sweep of its sockets.
      "CREATE INDEX users_blocked ON users (id) WHERE status = 'blocked'",
      // A block revokes the account's refresh tokens.
      'CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id)',
    ],
  },
  {
    version: 8,
    name: 'events take their ids in commit order: the global order every instance delivers them in',
    statements: [
      // PostgreSQL hands out identity values at insert, so a transaction that took id 10 can
      // commit after one that took 11: a reader of "after 10" would miss it. Each play's
      // transaction takes its ids from this one row instead (wallet/ledger-store.ts
      // takePositions): its row lock holds the next transaction back until this one commits,
      // and a rollback gives the ids back, so committed ids are a prefix with no gap.
      // SQLite has one writer: its AUTOINCREMENT counter is in commit order already.
      { sqlite: 'SELECT 1', postgres: 'CREATE TABLE event_order (id INTEGER PRIMARY KEY CHECK (id = 1), last BIGINT NOT NULL)' },
      { sqlite: 'SELECT 1', postgres: 'INSERT INTO event_order (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM events' },
      { sqlite: 'SELECT 1', postgres: 'ALTER TABLE events ALTER COLUMN id SET GENERATED BY DEFAULT' },
    ],
  },
  {
    version: 9,
    name: 'the active seeds and nonce in the users row, written with the balance',
    statements: [
      // A play's nonce now moves in the same row and statement as its balance: a batch writes no
      // page of a second table (BENCHMARKS.md, "The nonce with the account"). NULL seeds: none
      // committed yet (made on first use). `nonce` keeps the meaning it had in fairness_seeds.
      'ALTER TABLE users ADD COLUMN server_seed TEXT',
      'ALTER TABLE users ADD COLUMN server_seed_hash TEXT',
      'ALTER TABLE users ADD COLUMN client_seed TEXT',
      'ALTER TABLE users ADD COLUMN nonce BIGINT NOT NULL DEFAULT 0',
      'ALTER TABLE users ADD COLUMN seed_created_at BIGINT',
      `UPDATE users SET server_seed = s.server_seed, server_seed_hash = s.server_seed_hash, client_seed = s.client_seed,
        nonce = s.nonce, seed_created_at = s.created_at
       FROM fairness_seeds AS s WHERE s.user_id = users.id`,
      'DROP TABLE fairness_seeds',
      // The old table's rows, for an auditor's queries: read-only, the same columns.
      `CREATE VIEW fairness_seeds AS
        SELECT id AS user_id, server_seed, server_seed_hash, client_seed, nonce, seed_created_at AS created_at
        FROM users WHERE server_seed IS NOT NULL`,
    ],
  },
];
