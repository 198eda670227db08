import { afterEach, beforeEach, describe, expect, it } from 'bun:test';
import { openDatabase, type Database } from '../../src/storage';
import { GroupCommit } from '../../src/wallet/group-commit';
import { describeEngines, testStore, type TestStore } from '../support/server';

let store: TestStore;
let db: Database;
const IDENTITY = { sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT', postgres: 'INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY' };

/** A job bumps the counter and logs which transaction (numbered per batch) it ran in. */
function committer(options: { fail?: (job: number) => boolean; maxBatch?: number } = {}) {
  let nextTx = 0;
  return new GroupCommit<number, number>(
    {
      run: (jobs) =>
        db.sql.begin(async (tx) => {
        const txid = ++nextTx;
        const out: number[] = [];
        for (const job of jobs) {
          if (options.fail?.(job)) throw new Error(`job ${job} fails`);
          const [row] = await tx`UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n`;
          await tx`INSERT INTO log (job, txid) VALUES (${job}, ${txid})`;
          out.push(Number(row.n));
        }
        return out;
      }),
    },
    { maxBatch: options.maxBatch ?? 64, concurrency: 1 },
  );
}

describeEngines('GroupCommit on %s', (engine) => {
  beforeEach(async () => {
    store = await testStore(engine);
    db = await openDatabase(store.url);
    await db.sql.unsafe('CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    await db.sql.unsafe(`CREATE TABLE log (id ${IDENTITY[engine]}, job INTEGER NOT NULL, txid INTEGER NOT NULL)`);
    await db.sql`INSERT INTO counter (id, n) VALUES (1, 0)`;
  });

  afterEach(async () => {
    await db.close();
    await store.remove();
  });

  it('runs a lone job at once in its own transaction', async () => {
    const writer = committer();
    expect(await writer.submit(1)).toBe(1);
    expect(await db.sql`SELECT job, txid FROM log`).toEqual([{ job: 1, txid: 1 }]);
  });

  it('shares commits among jobs that arrive together, keeping their order', async () => {
    const writer = committer();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.submit(i)));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const rows = await db.sql`SELECT job, txid FROM log ORDER BY id`;
    expect(rows.map((r: { job: number }) => r.job)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const transactions = new Set(rows.map((r: { txid: number }) => r.txid)).size;
    expect(transactions).toBeLessThan(200 / 10);
  });

  it('batches jobs submitted across awaits within one turn of the event loop', async () => {
    // As HTTP handlers do: each reaches submit() after awaits of its own (body, token).
    const writer = committer();
    const submitAfter = async (job: number, awaits: number) => {
      for (let i = 0; i < awaits; i++) await Promise.resolve();
      return writer.submit(job);
    };
    await Promise.all([submitAfter(0, 0), submitAfter(1, 3), submitAfter(2, 10)]);
    const transactions = await db.sql`SELECT DISTINCT txid FROM log`;
    expect(transactions.length).toBe(1);
  });

  it('never puts more than maxBatch jobs in one transaction', async () => {
    const writer = committer({ maxBatch: 8 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.submit(i)));
    const sizes = await db.sql`SELECT COUNT(*) AS n FROM log GROUP BY txid`;
    expect(Math.max(...sizes.map((r: { n: number }) => Number(r.n)))).toBeLessThanOrEqual(8);
  });

  it('fails only the job that throws: the rest of its batch commits', async () => {
    const writer = committer({ fail: (job) => job === 7 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => writer.submit(i)));
    expect(outcomes.filter((o) => o.status === 'rejected').length).toBe(1);
    expect((outcomes[7] as PromiseRejectedResult).reason.message).toBe('job 7 fails');
    const [{ n }] = await db.sql`SELECT n FROM counter`;
    expect(Number(n)).toBe(19);
    const jobs = (await db.sql`SELECT job FROM log`).map((r: { job: number }) => r.job);
    expect(jobs).not.toContain(7);
    expect(jobs.length).toBe(19);
  });

  it('tells when everything submitted has finished', async () => {
    const writer = committer();
    const all = Array.from({ length: 30 }, (_, i) => writer.submit(i));
    await writer.settled();
    const [{ n }] = await db.sql`SELECT n FROM counter`;
    expect(Number(n)).toBe(30);
    await Promise.all(all);
  });
});

describe('GroupCommit lanes', () => {
  type Job = { lane: number; n: number };

  /** Transactions of random length, several at once; counts any lane found in two at once. */
  function lanedWriter(lane: ((job: Job) => number) | undefined) {
    const inFlight = new Map<number, number>();
    const seen = { overlaps: 0, released: [] as Job[], resolvedUnreleased: 0 };
    const writer = new GroupCommit<Job, number>(
      {
        run: async (jobs) => {
        const lanes = new Set(jobs.map((job) => job.lane));
        for (const l of lanes) {
          if (inFlight.get(l)) seen.overlaps++;
          inFlight.set(l, (inFlight.get(l) ?? 0) + 1);
        }
        await Bun.sleep(Math.random() * 3);
        for (const l of lanes) inFlight.set(l, inFlight.get(l)! - 1);
        return jobs.map((job) => job.n);
      },
        committed: (jobs) => void seen.released.push(...jobs),
      },
      { maxBatch: 4, concurrency: 4, lane },
    );
    return { writer, seen };
  }

  async function submitInWaves({ writer, seen }: ReturnType<typeof lanedWriter>) {
    const done: Promise<number>[] = [];
    let n = 0;
    for (let wave = 0; wave < 12; wave++) {
      for (let i = 0; i < 16; i++) {
        const job = { lane: n % 3, n: n++ };
        done.push(writer.submit(job).then((result) => (seen.released.includes(job) ? result : (seen.resolvedUnreleased++, result))));
      }
      await Bun.sleep(1);
    }
    return Promise.all(done);
  }

  it('with concurrency above 1 never runs a lane in two transactions at once, and releases each lane in queue order before resolving', async () => {
    const laned = lanedWriter((job) => job.lane);
    const results = await submitInWaves(laned);
    expect(results).toEqual(Array.from({ length: 192 }, (_, n) => n));
    expect(laned.seen.overlaps).toBe(0);
    expect(laned.seen.resolvedUnreleased).toBe(0);
    expect(laned.seen.released.length).toBe(192);
    for (const l of [0, 1, 2]) {
      const order = laned.seen.released.filter((job) => job.lane === l).map((job) => job.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('without lanes the same load does put a lane in two transactions at once (the test above can fail)', async () => {
    const unlaned = lanedWriter(undefined);
    await submitInWaves(unlaned);
    expect(unlaned.seen.overlaps).toBeGreaterThan(0);
  });
});
