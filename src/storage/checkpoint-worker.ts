/**
 * Runs in a Worker: checkpoints a SQLite file's write-ahead log on a connection of its own, so
 * the fsync a checkpoint costs happens off the server's thread. PASSIVE never waits for the
 * writer; it copies what it can and the next round copies the rest.
 */
import { SQL } from 'bun';

declare const self: Worker;

export type CheckpointRequest = { type: 'start'; url: string; intervalMs: number } | { type: 'stop' };
/** What SQLite reports per round: frames in the log, and how many are now in the database. */
export type CheckpointReport = { type: 'checkpointed'; logFrames: number; checkpointedFrames: number } | { type: 'stopped' } | { type: 'failed'; message: string };

let sql: SQL | undefined;
let timer: Timer | undefined;
let running: Promise<void> = Promise.resolve();

async function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): Promise<void> {
  if (!sql) return;
  try {
    const [row] = await sql.unsafe(`PRAGMA wal_checkpoint(${mode})`);
    postMessage({ type: 'checkpointed', logFrames: Number(row.log), checkpointedFrames: Number(row.checkpointed) } satisfies CheckpointReport);
  } catch (error) {
    postMessage({ type: 'failed', message: String(error) } satisfies CheckpointReport);
  }
}

async function handle(request: CheckpointRequest): Promise<void> {
  if (request.type === 'start') {
    sql = new SQL(request.url);
    await sql.unsafe('PRAGMA busy_timeout = 5000');
    // Each round after the last: `running` is what a stop waits for (checkpoint() never rejects).
    timer = setInterval(() => {
      running = running.then(() => checkpoint('PASSIVE'));
    }, request.intervalMs);
    return;
  }
  clearInterval(timer);
  await running;
  // With the server's connection closing, a TRUNCATE leaves an empty log behind.
  await checkpoint('TRUNCATE');
  await sql?.close();
  postMessage({ type: 'stopped' } satisfies CheckpointReport);
}

self.onmessage = (event: MessageEvent<CheckpointRequest>) => {
  handle(event.data).catch((error) => {
    postMessage({ type: 'failed', message: String(error) } satisfies CheckpointReport);
    // The server waits for this before it closes its database: a stop that failed still ends.
    if (event.data.type === 'stop') postMessage({ type: 'stopped' } satisfies CheckpointReport);
  });
};
