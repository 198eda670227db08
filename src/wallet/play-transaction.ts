/**
 * A play's statements, written once as generators over the ledger's statement seam
 * (ledger-store.ts): a lone play on the single-play path, plays that arrive together on the
 * batch path. Each settled play's texts come from the publisher's `render`, inside the
 * transaction.
 */
import { freshSeeds } from '../fairness/hmac-rng';
import { fairOutcome } from '../fairness/outcome';
import type { PlaySeed } from '../fairness/store';
import type { Rng } from '../games/rng';
import type { AccountWrite, EventRow, KeyRow, LedgerStatements, Step, UserKey } from './ledger-store';
import { keyOf, refused, type Applied, type LedgerPublisher, type PlayRequest, type SettledPlay } from './outcomes';

/** A request's key as `keyOf` spells it, if it has one. */
const requestKey = ({ userId, idempotency }: PlayRequest) => idempotency && keyOf(userId, idempotency.key);

/** An account as a batch reads it and then moves it along, play by play. */
type Account = AccountWrite & { seed: PlaySeed };

type Drawn = ReturnType<typeof fairOutcome>;
/** A play of a batch that settles, rendered once its event's position is taken. */
type Settling = { at: number; request: PlayRequest; drawn: Drawn; balance: number; seq: number };

export class PlayTransaction {
  constructor(
    /** Tests only: replaces the committed seeds' stream (such plays cannot be verified). */
    private readonly rng: Rng | undefined,
    private readonly publisher: Pick<LedgerPublisher, 'render'>,
  ) {}

  /**
   * A play alone: the balance check is the debit's own condition, so it holds whatever else
   * runs. Refusals are returned, never thrown; a refused play writes nothing.
   */
  *one(tx: LedgerStatements, request: PlayRequest): Step<Applied> {
    const { userId, game, input, betMinor, idempotency } = request;
    const key = idempotency && { userId, key: idempotency.key };
    // Claim the key first: if it is taken, nothing else of this play runs.
    if (key && !(yield* tx.claimKey({ ...key, requestHash: idempotency!.requestHash, at: Date.now() }))) return { kind: 'key_taken' };
    // Seeds before accounts, the lock order of every transaction.
    const nonces = yield* tx.takeNonces(new Map([[userId, 1]]));
    const drawn = fairOutcome(game, input, betMinor, nonces.next(userId), this.rng);
    const account = yield* tx.debit(userId, betMinor, drawn.payoutMinor);
    if (!account) {
      if (key) yield* tx.dropKey(key);
      yield* tx.giveBack(nonces.release(userId));
      // Refused, so read why (off the path of a play that settles).
      const [found] = yield* tx.readAccounts([userId]);
      return refused(found?.blocked ? 'account_blocked' : 'insufficient_funds');
    }
    // The event's position last, right before its row: the lock it takes on PostgreSQL is held to the commit.
    const position = yield* tx.takePositions(1);
    const { eventRow, applied } = this.settle(request, drawn, account.balance, account.seq, new Date(), position);
    yield* tx.insertEvents([eventRow]);
    if (key) yield* tx.completeKey({ ...key, response: applied.texts.response });
    return applied;
  }

  /**
   * Many plays with a fixed number of steps: read the accounts once, with their seeds and nonces
   * (locked on PostgreSQL), settle each play in order against the running balances and nonces,
   * then write every account (balance, sequence and nonce in one row), every event and every key.
   * A refused play or a repeated key takes no nonce, so the nonces written have no gap. The
   * account write is guarded by each account's sequence as read: if anything moved one
   * meanwhile, the batch throws and each play is retried alone by `one`.
   */
  *batch(tx: LedgerStatements, requests: PlayRequest[]): Step<Applied[]> {
    const keys = new Map<string, UserKey>();
    for (const { userId, idempotency } of requests) if (idempotency) keys.set(keyOf(userId, idempotency.key), { userId, key: idempotency.key });
    const taken = new Set((yield* tx.takenKeys([...keys.values()])).map(({ userId, key }) => keyOf(userId, key)));
    const now = new Date();
    const accounts = yield* this.readAccounts(tx, requests, now);
    const { results, settling } = this.draw(requests, accounts, taken);
    // An account none of whose plays settled took no nonce: it is not written (nor its fresh seeds).
    const moved: AccountWrite[] = [...accounts.values()].filter((account) => account.seq !== account.readSeq).map(({ seed: _, ...write }) => write);
    if ((yield* tx.writeAccounts(moved)) !== moved.length) throw new Error('an account changed while its batch was settled; retrying the plays one by one');
    // Positions last, right before the rows: the lock they take on PostgreSQL is held to the
    // commit, as briefly as can be. In batch order, so each user's ascend with their seq.
    const first = settling.length > 0 ? yield* tx.takePositions(settling.length) : 0;
    // The events' time is taken with their positions, not at the batch's start: a batch that
    // waited for the event_order lock is stamped after the one it waited for (times follow cursors).
    const stamped = new Date();
    const eventRows: EventRow[] = [];
    const keyRows: KeyRow[] = [];
    for (const [i, { at, request, drawn, balance, seq }] of settling.entries()) {
      const { eventRow, applied } = this.settle(request, drawn, balance, seq, stamped, first + i);
      eventRows.push(eventRow);
      const { idempotency } = request;
      if (idempotency) keyRows.push({ user_id: request.userId, key: idempotency.key, request_hash: idempotency.requestHash, status: 200, response: applied.texts.response, created_at: now.getTime() });
      results[at] = applied;
    }
    yield* tx.insertEvents(eventRows);
    yield* tx.insertKeys(keyRows);
    return results.map((result) => result!);
  }

  /** The batch's accounts with their seeds and nonces; fresh seeds for a user's first play. */
  private *readAccounts(tx: LedgerStatements, requests: PlayRequest[], now: Date): Step<Map<number, Account>> {
    const accounts = new Map<number, Account>();
    for (const row of yield* tx.readAccounts([...new Set(requests.map((r) => r.userId))])) {
      // No seeds committed yet (the user's first play): fresh ones, written with the account.
      const fresh = row.seed ? undefined : freshSeeds(1)[0]!;
      const seed = row.seed ?? { ...fresh!, nonce: 0 };
      const newSeed = fresh && { ...fresh, createdAt: now.getTime() };
      accounts.set(row.id, { id: row.id, balance: row.balance, seq: row.seq, blocked: row.blocked, readSeq: row.seq, nonce: seed.nonce, seed, newSeed });
    }
    return accounts;
  }

  /**
   * Each play in batch order against the running balances and nonces: a refusal, a key taken,
   * or a play that settles (its place in `results` left for it).
   */
  private draw(requests: PlayRequest[], accounts: Map<number, Account>, taken: Set<string>): { results: (Applied | undefined)[]; settling: Settling[] } {
    const results: (Applied | undefined)[] = [];
    const settling: Settling[] = [];
    const keysInBatch = new Set<string>();
    for (const request of requests) {
      const { userId, betMinor } = request;
      const flightKey = requestKey(request);
      if (flightKey && (taken.has(flightKey) || keysInBatch.has(flightKey))) {
        results.push({ kind: 'key_taken' });
        continue;
      }
      const account = accounts.get(userId);
      if (!account || account.blocked || account.balance < betMinor) {
        results.push(refused(account?.blocked ? 'account_blocked' : 'insufficient_funds'));
        continue;
      }
      const drawn = fairOutcome(request.game, request.input, betMinor, { ...account.seed, nonce: account.nonce }, this.rng);
      account.nonce += 1;
      account.balance += drawn.payoutMinor - betMinor;
      account.seq += 1;
      if (flightKey) keysInBatch.add(flightKey);
      settling.push({ at: results.length, request, drawn, balance: account.balance, seq: account.seq });
      results.push(undefined);
    }
    return { results, settling };
  }

  /** Builds everything a settled play writes from its drawn outcome. */
  private settle(request: PlayRequest, payout: Drawn, balanceMinor: number, seq: number, at: Date, position: number) {
    const play: SettledPlay = {
      userId: request.userId,
      seq,
      gameType: request.game.type,
      betMinor: request.betMinor,
      payoutMinor: payout.payoutMinor,
      balanceMinor,
      result: payout.result,
      at,
      position,
    };
    const texts = this.publisher.render(play);
    const eventRow: EventRow = { id: position, user_id: play.userId, seq, game_type: play.gameType, bet: play.betMinor, payout: play.payoutMinor, payload: texts.event, created_at: at.getTime() };
    return { eventRow, applied: { kind: 'settled', play, texts } as const };
  }
}
