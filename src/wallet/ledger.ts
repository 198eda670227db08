/**
 * The ledger: every play is ONE transaction that checks the balance, debits the bet, credits
 * the payout, takes the user's next event sequence and stores the event row (and, with an
 * Idempotency-Key, the response). A play that fails leaves no trace. Plays that arrive
 * together share a transaction (group commit), each still all-or-nothing.
 */
import type { SQL } from 'bun';
import type { Game } from '../games/game';
import type { Rng } from '../games/rng';
import { AppError } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { eventId, messages } from '../realtime/events';
import type { Dialect } from '../storage';
import { Params } from '../storage/params';
import { GroupCommit } from './group-commit';
import { fromMinor } from './money';

export type PlayRequest = {
  userId: number;
  game: Game;
  input: Record<string, unknown>;
  betMinor: number;
  idempotency?: { key: string; requestHash: string };
};

export type PlayOutcome = {
  /** The play response's JSON text (stored verbatim for idempotent replays). */
  response: string;
  /** True when this answers a repeated Idempotency-Key: nothing was charged or emitted. */
  replayed: boolean;
  /** For a new play: the serialized messages to publish, and its payout for the metrics. */
  published?: { userId: number; gameEvent: string; balanceUpdate: string; payoutMinor: number };
};

const insufficientFunds = () => new AppError(402, 'insufficient_funds', 'the bet is more than the balance');
const keyReused = () => new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');

type EventRow = { user_id: number; seq: number; game_type: string; bet: number; payout: number; payload: string; created_at: number };
type KeyRow = { user_id: number; key: string; request_hash: string; status: number; response: string; created_at: number };

/** Everything a settled play produces: its event row, its response and what to publish. */
function settle(request: PlayRequest, result: Record<string, unknown>, payoutMinor: number, balanceMinor: number, seq: number, at: Date): { eventRow: EventRow; outcome: PlayOutcome } {
  const { userId, game, betMinor } = request;
  const id = eventId(userId, seq);
  const ts = at.toISOString();
  const bet = fromMinor(betMinor);
  const balance = fromMinor(balanceMinor);
  const fullResult = { ...result, payout: fromMinor(payoutMinor) };
  const gameEvent = messages.gameEvent({ event_id: id, game_type: game.type, user_id: userId, bet, result: fullResult, ts });
  const response = JSON.stringify({ event_id: id, game_type: game.type, bet, result: fullResult, balance });
  const balanceUpdate = messages.balanceUpdate({ user_id: userId, balance, delta: fromMinor(payoutMinor - betMinor), reason: game.type, event_id: id, ts });
  return {
    eventRow: { user_id: userId, seq, game_type: game.type, bet: betMinor, payout: payoutMinor, payload: gameEvent, created_at: at.getTime() },
    outcome: { response, replayed: false, published: { userId, gameEvent, balanceUpdate, payoutMinor } },
  };
}

/** How long an Idempotency-Key's response is kept (API.md: at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What one play's statements decided, before its transaction commits. */
type Applied = PlayOutcome | AppError | { storedKey: true };

/** An account as a batch reads it and then moves it along, play by play. */
type Account = { balance: number; seq: number; readSeq: number };

export class Ledger {
  /** Plays under way per "<user>\n<key>": concurrent duplicates wait for the first. */
  private readonly inFlight = new Map<string, Promise<PlayOutcome>>();
  private readonly writer: GroupCommit<PlayRequest, Applied>;

  constructor(
    private readonly sql: SQL,
    private readonly rng: Rng,
    private readonly dialect: Dialect,
    private readonly options: { concurrency?: number; metrics?: Metrics } = {},
  ) {
    this.writer = new GroupCommit(sql, (tx, requests) => (requests.length === 1 ? this.applyOne(tx, requests[0]!).then((one) => [one]) : this.applyBatch(tx, requests)), {
      maxBatch: 256,
      concurrency: options.concurrency ?? 1,
      // One lock order for every batch, so concurrent batches on PostgreSQL cannot deadlock.
      order: (a, b) => a.userId - b.userId,
      onCommit: (plays, seconds) => options.metrics?.ledgerCommitted(plays, seconds),
    });
  }

  play(request: PlayRequest): Promise<PlayOutcome> {
    const { idempotency } = request;
    if (!idempotency) return this.transact(request);
    const flightKey = `${request.userId}\n${idempotency.key}`;
    const running = this.inFlight.get(flightKey);
    if (running) return running.then((first) => this.replay(first.response, idempotency.requestHash, request));
    const play = this.transact(request).finally(() => this.inFlight.delete(flightKey));
    this.inFlight.set(flightKey, play);
    return play;
  }

  /** Resolves once every play handed to the ledger has committed or failed. */
  settled(): Promise<void> {
    return this.writer.settled();
  }

  private replay(response: string, requestHash: string, request: PlayRequest): PlayOutcome {
    if (request.idempotency && requestHash !== request.idempotency.requestHash) throw keyReused();
    return { response, replayed: true };
  }

  private async transact(request: PlayRequest): Promise<PlayOutcome> {
    const applied = await this.writer.submit(request);
    if (applied instanceof AppError) throw applied;
    if ('published' in applied && applied.published) this.options.metrics?.played(request.game.type, request.betMinor, applied.published.payoutMinor);
    if ('storedKey' in applied) {
      // The key was taken before this play ran (an earlier request, or another instance's).
      const stored = await this.findStored(this.sql, request.userId, request.idempotency!.key);
      if (!stored || stored.status === 0) throw new AppError(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed');
      return this.replay(stored.response, stored.request_hash, request);
    }
    return applied;
  }

  /**
   * A play alone: the balance check is the UPDATE's own WHERE, so it holds whatever else runs.
   * Refusals are returned, never thrown; a refused play writes nothing.
   */
  private async applyOne(tx: SQL, request: PlayRequest): Promise<Applied> {
    const { userId, game, input, betMinor, idempotency } = request;
    if (idempotency) {
      // Claim the key first: if it is taken, nothing else of this play runs. On PostgreSQL a
      // claim racing another instance's waits for it to commit, then finds the key taken.
      const [claimed] = await tx`
        INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
        VALUES (${userId}, ${idempotency.key}, ${idempotency.requestHash}, 0, '', ${Date.now()})
        ON CONFLICT (user_id, key) DO NOTHING
        RETURNING user_id`;
      if (!claimed) return { storedKey: true };
    }
    const { result, payoutMinor } = game.play(input, betMinor, this.rng);
    const [account] = await tx`
      UPDATE users SET balance = balance - ${betMinor} + ${payoutMinor}, event_seq = event_seq + 1
      WHERE id = ${userId} AND balance >= ${betMinor}
      RETURNING balance, event_seq`;
    if (!account) {
      if (idempotency) await tx`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${idempotency.key}`;
      return insufficientFunds();
    }
    const play = settle(request, result, payoutMinor, Number(account.balance), Number(account.event_seq), new Date());
    await tx`INSERT INTO events ${tx(play.eventRow)}`;
    if (idempotency) {
      await tx`UPDATE idempotency_keys SET status = 200, response = ${play.outcome.response} WHERE user_id = ${userId} AND key = ${idempotency.key}`;
    }
    return play.outcome;
  }

  /**
   * Many plays with a fixed number of statements: read the accounts once (locked on
   * PostgreSQL), settle each play in order against the running balances, then write every
   * account, every event and every key with one statement each. The account write is guarded
   * by each account's sequence as read: if anything moved one meanwhile, the batch throws and
   * each play is retried alone by `applyOne`.
   */
  private async applyBatch(tx: SQL, requests: PlayRequest[]): Promise<Applied[]> {
    const taken = await this.takenKeys(tx, requests);
    const accounts = await this.readAccounts(tx, requests);
    const now = new Date();
    const results: Applied[] = [];
    const eventRows: EventRow[] = [];
    const keyRows: KeyRow[] = [];
    for (const request of requests) {
      const { userId, idempotency, betMinor } = request;
      if (idempotency && taken.has(`${userId}\n${idempotency.key}`)) {
        results.push({ storedKey: true });
        continue;
      }
      const account = accounts.get(userId);
      if (!account || account.balance < betMinor) {
        results.push(insufficientFunds());
        continue;
      }
      const { result, payoutMinor } = request.game.play(request.input, betMinor, this.rng);
      account.balance += payoutMinor - betMinor;
      account.seq += 1;
      const play = settle(request, result, payoutMinor, account.balance, account.seq, now);
      eventRows.push(play.eventRow);
      if (idempotency) {
        keyRows.push({ user_id: userId, key: idempotency.key, request_hash: idempotency.requestHash, status: 200, response: play.outcome.response, created_at: now.getTime() });
      }
      results.push(play.outcome);
    }
    await this.writeAccounts(tx, accounts);
    if (eventRows.length > 0) await tx`INSERT INTO events ${tx(eventRows)}`;
    if (keyRows.length > 0) await tx`INSERT INTO idempotency_keys ${tx(keyRows)}`;
    return results;
  }

  /** The "<user>\n<key>" pairs of the batch's Idempotency-Keys that are already stored. */
  private async takenKeys(tx: SQL, requests: PlayRequest[]): Promise<Set<string>> {
    const keys = [...new Set(requests.flatMap((r) => (r.idempotency ? [r.idempotency.key] : [])))];
    if (keys.length === 0) return new Set();
    const rows = await tx`SELECT user_id, key FROM idempotency_keys WHERE key IN ${tx(keys)}`;
    return new Set(rows.map((row: { user_id: number | string; key: string }) => `${Number(row.user_id)}\n${row.key}`));
  }

  private async readAccounts(tx: SQL, requests: PlayRequest[]): Promise<Map<number, Account>> {
    const params = new Params(this.dialect);
    const ids = [...new Set(requests.map((r) => r.userId))].map((id) => params.add(id));
    // PostgreSQL: lock the rows in id order (SQLite has one writer and no FOR UPDATE).
    const lock = this.dialect === 'postgres' ? ' ORDER BY id FOR UPDATE' : '';
    const rows = await tx.unsafe(`SELECT id, balance, event_seq FROM users WHERE id IN (${ids.join(', ')})${lock}`, params.values);
    return new Map(
      rows.map((row: { id: number | string; balance: number | string; event_seq: number | string }) => {
        const seq = Number(row.event_seq);
        return [Number(row.id), { balance: Number(row.balance), seq, readSeq: seq }];
      }),
    );
  }

  private async writeAccounts(tx: SQL, accounts: Map<number, Account>): Promise<void> {
    const params = new Params(this.dialect);
    const values: string[] = [];
    for (const [id, account] of accounts) {
      if (account.seq === account.readSeq) continue;
      values.push(`(${params.add(id, 'BIGINT')}, ${params.add(account.balance, 'BIGINT')}, ${params.add(account.seq, 'BIGINT')}, ${params.add(account.readSeq, 'BIGINT')})`);
    }
    if (values.length === 0) return;
    const updated = await tx.unsafe(
      `UPDATE users SET balance = v.column2, event_seq = v.column3
       FROM (VALUES ${values.join(', ')}) AS v
       WHERE users.id = v.column1 AND users.event_seq = v.column4`,
      params.values,
    );
    // The affected-row count, not RETURNING: rows returned cost Bun.SQL a fetch and an extra query.
    if (updated.count !== values.length) throw new Error('an account changed while its batch was settled; retrying the plays one by one');
  }

  private async findStored(sql: SQL, userId: number, key: string): Promise<{ status: number; response: string; request_hash: string } | undefined> {
    const [row] = await sql`SELECT status, response, request_hash FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
    return row ? { ...(row as { response: string; request_hash: string }), status: Number(row.status) } : undefined;
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  async purgeExpiredKeys(now = Date.now()): Promise<void> {
    await this.sql`DELETE FROM idempotency_keys WHERE created_at < ${now - IDEMPOTENCY_RETENTION_MS}`;
  }
}
