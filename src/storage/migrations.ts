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
