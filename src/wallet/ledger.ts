/**
 * The ledger: every play is ONE transaction that checks the balance, debits the bet, credits
 * the payout, takes the user's next event sequence and stores the event row (and, with an
 * Idempotency-Key, the response). A play that fails leaves no trace. Plays that arrive
 * together share a transaction (group commit), each still all-or-nothing.
 *
 * The ledger knows money, not HTTP or the wire: it returns typed outcomes and refusals, and
 * hands each settled play, in sequence order per user, to `onSettled`. The texts stored with a
 * play (its event and its response) come from the injected `render`.
 */
import type { SQL } from 'bun';
import { fairOutcome } from '../fairness/outcome';
import { giveBack, takeNonces } from '../fairness/store';
import type { Game, GameType } from '../games/game';
import type { Rng } from '../games/rng';
import type { Dialect } from '../storage';
import { Params } from '../storage/params';
import { GroupCommit } from './group-commit';

export type PlayRequest = {
  userId: number;
  game: Game;
  input: Record<string, unknown>;
  betMinor: number;
  idempotency?: { key: string; requestHash: string };
};

/** A play the ledger committed, in the ledger's terms (minor units, no wire format). */
export type SettledPlay = {
  userId: number;
  /** The user's event sequence: 1, 2, 3, … with no gap. */
  seq: number;
  gameType: GameType;
  betMinor: number;
  payoutMinor: number;
  /** The balance right after this play. */
  balanceMinor: number;
  /** What the game decided, as the game reports it (without the payout). */
  result: Record<string, unknown>;
  at: Date;
};

/** The texts stored with a play: the event as published, the response as answered (and replayed). */
export type PlayTexts = { event: string; response: string };

export type Refusal = 'insufficient_funds' | 'idempotency_key_reused' | 'idempotency_key_in_use';

export type PlayOutcome =
  | { kind: 'settled'; play: SettledPlay; texts: PlayTexts }
  /** A repeated Idempotency-Key: the first response again; nothing charged or emitted. */
  | { kind: 'replayed'; response: string }
  | { kind: 'refused'; refusal: Refusal };

export type LedgerOptions = {
  /** Writes a settled play's texts; called inside its transaction. */
  render: (play: SettledPlay) => PlayTexts;
  /** Each committed play, right after its commit; per user in `seq` order. */
  onSettled?: (play: SettledPlay, texts: PlayTexts) => void;
  /** Transactions in flight at once: 1 for SQLite (one writer), more for PostgreSQL. */
  concurrency?: number;
  /** Each committed transaction: how many plays it held and its seconds from BEGIN to COMMIT. */
  onCommit?: (plays: number, seconds: number) => void;
};

type EventRow = { user_id: number; seq: number; game_type: string; bet: number; payout: number; payload: string; created_at: number };
type KeyRow = { user_id: number; key: string; request_hash: string; status: number; response: string; created_at: number };

/** How long an Idempotency-Key's response is kept (at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What one play's statements decided, before its transaction commits. */
type Applied = Extract<PlayOutcome, { kind: 'settled' }> | Extract<PlayOutcome, { kind: 'refused' }> | { kind: 'key_taken' };

/** An account as a batch reads it and then moves it along, play by play. */
type Account = { balance: number; seq: number; readSeq: number };

const refused = (refusal: Refusal) => ({ kind: 'refused', refusal }) as const;

export class Ledger {
  /** Plays under way per "<user>\n<key>": a concurrent duplicate shares the first's outcome. */
  private readonly inFlight = new Map<string, { requestHash: string; outcome: Promise<PlayOutcome> }>();
  private readonly writer: GroupCommit<PlayRequest, Applied>;

  constructor(
    private readonly sql: SQL,
    /** Tests only: replaces the committed seeds' stream (such plays cannot be verified). */
    private readonly rng: Rng | undefined,
    private readonly dialect: Dialect,
    private readonly options: LedgerOptions,
  ) {
    this.writer = new GroupCommit(sql, (tx, requests) => (requests.length === 1 ? this.applyOne(tx, requests[0]!).then((one) => [one]) : this.applyBatch(tx, requests)), {
      maxBatch: 256,
      concurrency: options.concurrency ?? 1,
      // One lock order for every batch, so concurrent batches on PostgreSQL cannot deadlock.
      order: (a, b) => a.userId - b.userId,
      // A user's plays never commit in two transactions at once: commit order is seq order.
      lane: (request) => request.userId,
      committed: (requests, results) => this.release(results),
      onCommit: options.onCommit,
    });
  }

  play(request: PlayRequest): Promise<PlayOutcome> {
    const { idempotency } = request;
    if (!idempotency) return this.transact(request);
    const flightKey = `${request.userId}\n${idempotency.key}`;
    const running = this.inFlight.get(flightKey);
    if (running) {
      // A different body under the same key is refused at once; the same body is the same
      // request, so it shares the first one's outcome (a refusal included).
      if (running.requestHash !== idempotency.requestHash) return Promise.resolve(refused('idempotency_key_reused'));
      return running.outcome.then((first) => (first.kind === 'settled' ? { kind: 'replayed', response: first.texts.response } : first));
    }
    const outcome = this.transact(request);
    this.inFlight.set(flightKey, { requestHash: idempotency.requestHash, outcome });
    const forget = () => this.inFlight.delete(flightKey);
    outcome.then(forget, forget);
    return outcome;
  }

  /** Resolves once every play handed to the ledger has committed or failed. */
  settled(): Promise<void> {
    return this.writer.settled();
  }

  private release(results: readonly Applied[]): void {
    const { onSettled } = this.options;
    if (!onSettled) return;
    for (const applied of results) if (applied.kind === 'settled') onSettled(applied.play, applied.texts);
  }

  private async transact(request: PlayRequest): Promise<PlayOutcome> {
    const applied = await this.writer.submit(request);
    if (applied.kind !== 'key_taken') return applied;
    // The key was taken before this play ran (an earlier request, or another instance's).
    const stored = await this.findStored(request.userId, request.idempotency!.key);
    if (!stored || stored.status === 0) return refused('idempotency_key_in_use');
    if (stored.request_hash !== request.idempotency!.requestHash) return refused('idempotency_key_reused');
    return { kind: 'replayed', response: stored.response };
  }

  /** Draws the outcome and builds everything a settled play writes. */
  private settle(request: PlayRequest, payout: { result: Record<string, unknown>; payoutMinor: number }, balanceMinor: number, seq: number, at: Date) {
    const play: SettledPlay = {
      userId: request.userId,
      seq,
      gameType: request.game.type,
      betMinor: request.betMinor,
      payoutMinor: payout.payoutMinor,
      balanceMinor,
      result: payout.result,
      at,
    };
    const texts = this.options.render(play);
    const eventRow: EventRow = { user_id: play.userId, seq, game_type: play.gameType, bet: play.betMinor, payout: play.payoutMinor, payload: texts.event, created_at: at.getTime() };
    return { eventRow, applied: { kind: 'settled', play, texts } as const };
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
      if (!claimed) return { kind: 'key_taken' };
    }
    const nonces = await takeNonces(tx, this.dialect, new Map([[userId, 1]]));
    const drawn = fairOutcome(game, input, betMinor, nonces.next(userId), this.rng);
    const [account] = await tx`
      UPDATE users SET balance = balance - ${betMinor} + ${drawn.payoutMinor}, event_seq = event_seq + 1
      WHERE id = ${userId} AND balance >= ${betMinor}
      RETURNING balance, event_seq`;
    if (!account) {
      if (idempotency) await tx`DELETE FROM idempotency_keys WHERE user_id = ${userId} AND key = ${idempotency.key}`;
      await giveBack(tx, this.dialect, nonces.release(userId));
      return refused('insufficient_funds');
    }
    const { eventRow, applied } = this.settle(request, drawn, Number(account.balance), Number(account.event_seq), new Date());
    await tx`INSERT INTO events ${tx(eventRow)}`;
    if (idempotency) {
      await tx`UPDATE idempotency_keys SET status = 200, response = ${applied.texts.response} WHERE user_id = ${userId} AND key = ${idempotency.key}`;
    }
    return applied;
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
    // Seeds before accounts: the lock order applyOne follows too. A user's plays take consecutive
    // nonces; any taken and not used (refused plays, repeated keys) are given back below.
    const playing = requests.filter((r) => !(r.idempotency && taken.has(`${r.userId}\n${r.idempotency.key}`)));
    const nonces = await takeNonces(tx, this.dialect, playing.reduce((counts, r) => counts.set(r.userId, (counts.get(r.userId) ?? 0) + 1), new Map<number, number>()));
    const accounts = await this.readAccounts(tx, requests);
    const now = new Date();
    const results: Applied[] = [];
    const eventRows: EventRow[] = [];
    const keyRows: KeyRow[] = [];
    const keysInBatch = new Set<string>();
    for (const request of requests) {
      const { userId, idempotency, betMinor } = request;
      const flightKey = idempotency && `${userId}\n${idempotency.key}`;
      if (flightKey && (taken.has(flightKey) || keysInBatch.has(flightKey))) {
        results.push({ kind: 'key_taken' });
        continue;
      }
      const account = accounts.get(userId);
      if (!account || account.balance < betMinor) {
        results.push(refused('insufficient_funds'));
        continue;
      }
      const drawn = fairOutcome(request.game, request.input, betMinor, nonces.next(userId), this.rng);
      account.balance += drawn.payoutMinor - betMinor;
      account.seq += 1;
      const { eventRow, applied } = this.settle(request, drawn, account.balance, account.seq, now);
      eventRows.push(eventRow);
      if (flightKey) {
        keysInBatch.add(flightKey);
        keyRows.push({ user_id: userId, key: idempotency!.key, request_hash: idempotency!.requestHash, status: 200, response: applied.texts.response, created_at: now.getTime() });
      }
      results.push(applied);
    }
    await this.writeAccounts(tx, accounts);
    await giveBack(tx, this.dialect, nonces);
    if (eventRows.length > 0) await tx`INSERT INTO events ${tx(eventRows)}`;
    if (keyRows.length > 0) await tx`INSERT INTO idempotency_keys ${tx(keyRows)}`;
    return results;
  }

  /**
   * The "<user>\n<key>" pairs of the batch's Idempotency-Keys that are already stored. Looked
   * up by the whole primary key (user_id, key), one OR-ed pair each, so both engines use the
   * index however many keys are stored (`key IN (…)` alone scanned the table on SQLite).
   */
  private async takenKeys(tx: SQL, requests: PlayRequest[]): Promise<Set<string>> {
    const params = new Params(this.dialect);
    const pairs = new Map<string, string>();
    for (const { userId, idempotency } of requests) {
      if (!idempotency) continue;
      const flightKey = `${userId}\n${idempotency.key}`;
      if (!pairs.has(flightKey)) pairs.set(flightKey, `(user_id = ${params.add(userId, 'BIGINT')} AND key = ${params.add(idempotency.key)})`);
    }
    if (pairs.size === 0) return new Set();
    const rows = await tx.unsafe(`SELECT user_id, key FROM idempotency_keys WHERE ${[...pairs.values()].join(' OR ')}`, params.values);
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

  private async findStored(userId: number, key: string): Promise<{ status: number; response: string; request_hash: string } | undefined> {
    const [row] = await this.sql`SELECT status, response, request_hash FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
    return row ? { ...(row as { response: string; request_hash: string }), status: Number(row.status) } : undefined;
  }

  /** Forgets Idempotency-Keys older than the retention period. */
  async purgeExpiredKeys(now = Date.now()): Promise<void> {
    await this.sql`DELETE FROM idempotency_keys WHERE created_at < ${now - IDEMPOTENCY_RETENTION_MS}`;
  }
}
