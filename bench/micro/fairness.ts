/**
 * What provable fairness costs a play. Three figures, one process:
 * - the draw alone: a play of each game on the HMAC stream (one HMAC block per play here)
 *   against the same play on `cryptoRng`;
 * - new seed sets, which a batch makes for every user in it (used only for a user's first play);
 * - the ledger: server CPU per committed play on a SQLite file, 64 users, plays submitted all
 *   at once (so they batch), with the committed seeds against the `rng` seam's cryptoRng,
 *   arms alternated round by round. Both arms take nonces, so this difference is the draw;
 *   the nonce statement itself shows only against the commit before "Plays draw from the
 *   committed seeds" (run the ledger arm there).
 *
 *   bun bench/micro/fairness.ts
 *
 * Measured 2026-11-29 at load average 10–14 on 2 cores (other work running): a draw on the
 * HMAC stream 1.6–1.9 µs for rps, gacha and crash (slot, measured first, 5 µs with warm-up)
 * against 0.2–0.4 µs on cryptoRng; a seed set 0.5 µs in a batch of 64, 2.3 µs alone (a
 * getRandomValues call costs about 1.3 µs whatever its size). Ledger CPU per play 19.4–21.2 µs
 * with the seeds against 13.6–16.4 µs with cryptoRng (the HMAC draw: both arms take nonces and
 * render the fairness fields); on the commit before the seeds, 12–17 µs (medians there ≈ 16
 * µs), so the nonce statement and the fields are within this machine's noise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSeeds, hmacRng, newServerSeed } from '../../src/fairness/hmac-rng';
import { games } from '../../src/games/catalogue';
import { renderPlay } from '../../src/realtime/play-publisher';
import { cryptoRng, type Rng } from '../../src/games/rng';
import { openDatabase } from '../../src/storage';
import { Ledger } from '../../src/wallet/ledger';
import { ledgerStoreFor } from '../../src/wallet/ledger-stores';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BODIES: Record<string, Record<string, unknown>> = { slot: { bet: 1 }, rps: { bet: 1, choice: 'rock' }, gacha: { bet: 1 }, crash: { bet: 1, cashout: 2 } };

function perCall(n: number, run: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) run(i);
  return ((performance.now() - start) * 1000) / n;
}

function draws(): void {
  const serverSeed = newServerSeed();
  const crypto = cryptoRng();
  for (const game of games) {
    const input = BODIES[game.type]!;
    const hmac = perCall(50_000, (nonce) => game.play(input, 100, hmacRng({ serverSeed, clientSeed: 'bench', nonce })));
    const plain = perCall(50_000, () => game.play(input, 100, crypto));
    console.error(`${game.type.padEnd(6)} draw: hmac ${hmac.toFixed(2)} µs, cryptoRng ${plain.toFixed(2)} µs`);
  }
  const batched = perCall(2_000, () => freshSeeds(64)) / 64;
  console.error(`seed sets: ${batched.toFixed(2)} µs each in batches of 64, ${perCall(50_000, () => freshSeeds(1)).toFixed(2)} µs alone`);
}

async function ledgerCpuPerPlay(rng: Rng | undefined, plays = 20_000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'games-bench-'));
  const db = await openDatabase(`sqlite://${join(dir, 'games.sqlite')}`);
  try {
    const users: number[] = [];
    for (let i = 0; i < 64; i++) {
      const [row] = await db.sql`INSERT INTO users (username, username_key, password_hash, role, balance, created_at) VALUES (${`u${i}`}, ${`u${i}`}, 'x', 'user', 1000000000, 0) RETURNING id`;
      users.push(Number(row.id));
    }
    const ledger = new Ledger(ledgerStoreFor(db), rng, { publisher: { render: renderPlay } });
    const slot = games.find((game) => game.type === 'slot')!;
    const submit = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => ledger.play({ userId: users[i % users.length]!, game: slot, input: { bet: 1 }, betMinor: 100 })));
    await submit(2_000); // warm-up
    const before = process.cpuUsage();
    await submit(plays);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / plays;
  } finally {
    await db.sql.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

draws();
for (let round = 1; round <= ROUNDS; round++) {
  const seeds = await ledgerCpuPerPlay(undefined);
  const plain = await ledgerCpuPerPlay(cryptoRng());
  console.error(`round ${round}: ledger CPU per play ${seeds.toFixed(1)} µs with the seeds, ${plain.toFixed(1)} µs with cryptoRng`);
}
