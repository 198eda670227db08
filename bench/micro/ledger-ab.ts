/**
 * The real ledger on the SQLite default (`bun:sqlite` store, WAL, `synchronous = NORMAL`, the
 * checkpointer Worker, slot drawn from committed seeds, the rendered event, group commit) of
 * this checkout against the same of another checkout, in one process, alternating round after
 * round, so a change to the write path is measured as a ratio the machine's drift cancels out
 * of. Each side opens its own file with its own migrations. CPU is `process.cpuUsage()` (every
 * thread) per play; the ratio is the median of per-round ratios.
 *
 *   mkdir /tmp/base && git archive <commit> | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/
 *   bun bench/micro/ledger-ab.ts --base=/tmp/base [--rounds=9] [--plays=6400] [--batch=16] [--users=32]
 */
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { optionValue, positiveInteger } from '../lib/options';
import { median, medianRatio } from '../lib/stats';

const option = (name: string, fallback: number) => positiveInteger(name, optionValue(name), fallback);
const ROUNDS = option('rounds', 9);
const PLAYS = option('plays', 6400);
const BATCH = option('batch', 16);
const USERS = option('users', 32);
const base = optionValue('base');
if (!base) throw new Error('--base=<a checkout to compare with> is required');

type Side = { name: string; play: (userId: number) => Promise<{ kind: string }>; users: number[]; close: () => Promise<void> };

async function open(name: string, root: string, dir: string): Promise<Side> {
  const storage = await import(join(root, 'src/storage/index.ts'));
  const { insertUser } = await import(join(root, 'src/auth/users.ts'));
  const { renderPlay } = await import(join(root, 'src/realtime/play-publisher.ts'));
  const { slot } = await import(join(root, 'src/games/slot.ts'));
  const { Ledger } = await import(join(root, 'src/wallet/ledger.ts'));
  const { SqliteLedgerStore } = await import(join(root, 'src/wallet/sqlite-ledger-store.ts'));
  const db = await storage.openDatabase(`sqlite://${join(dir, `${name}.sqlite`)}`);
  const users: number[] = [];
  for (let i = 0; i < USERS; i++) users.push((await insertUser(db.sql, { username: `bench${i}`, passwordHash: 'x', role: 'user', balanceMinor: 1e12 }))!.id);
  const ledger = new Ledger(new SqliteLedgerStore(db.sqlite!), undefined, { render: renderPlay, publisher: { render: renderPlay } });
  return { name, users, play: (userId) => ledger.play({ userId, game: slot, input: { bet: 0.01 }, betMinor: 1 }), close: () => db.close() };
}

async function run(side: Side, plays: number): Promise<number> {
  const before = process.cpuUsage();
  for (let done = 0; done < plays; done += BATCH) {
    const outcomes = await Promise.all(Array.from({ length: BATCH }, (_, i) => side.play(side.users[Math.floor(Math.random() * side.users.length)]!)));
    if (outcomes.some((outcome) => outcome.kind !== 'settled')) throw new Error('a play was not settled');
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / plays;
}

const dir = join(tmpdir(), `ledger-ab-${process.pid}`);
const sides = [await open('base', resolve(base), dir), await open('this', resolve(import.meta.dir, '../..'), dir)];
try {
  const load = loadavg()[0]!.toFixed(1);
  for (const side of sides) await run(side, 800); // warm-up, and every user's seeds committed
  const figures = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) figures.set(side.name, [...(figures.get(side.name) ?? []), await run(side, PLAYS)]);
  }
  console.log(`CPU µs per play, ${ROUNDS} alternating rounds of ${PLAYS} plays in batches of ${BATCH} over ${USERS} users, load ${load} → ${loadavg()[0]!.toFixed(1)}\n`);
  console.log('| ledger | µs per play (median) | min–max | × base |\n| --- | ---: | ---: | ---: |');
  for (const { name } of sides) {
    const mine = figures.get(name)!;
    console.log(`| ${name} | ${median(mine).toFixed(1)} | ${Math.min(...mine).toFixed(1)}–${Math.max(...mine).toFixed(1)} | ${medianRatio(mine, figures.get('base')!).toFixed(2)} |`);
  }
} finally {
  for (const side of sides) await side.close();
  rmSync(dir, { recursive: true, force: true });
}
