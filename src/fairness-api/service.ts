/** Seeds for a player (state, client seed, rotation, revealed history) and stateless verification. */
import type { SQL } from 'bun';
import { systemClock, type Clock } from '../clock';
import { Value } from '@sinclair/typebox/value';
import { games } from '../games/catalogue';
import { checkBet, type BetLimits } from '../games/bet-rules';
import { badRequest, tooManyRequests } from '../errors';
import { pageLimit, positiveInteger } from '../http/query';
import { SharedRateLimiter, type Shared } from '../limits/shared-limits';
import type { Dialect } from '../storage';
import { fromMinor } from '../money';
import { seedHash } from '../fairness/hmac-rng';
import type { FairnessState, RevealedPage, RevealedQuery, Rotation, VerifyBody } from '../fairness/model';
import { fairOutcome } from '../fairness/outcome';
import { getOrCreate, revealedPage, rotate, setClientSeed, type ActiveSeed } from '../fairness/store';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** What a client may see of the active seed: its hash, never the seed. */
const stateOf = (seed: ActiveSeed): FairnessState => ({ server_seed_hash: seed.serverSeedHash, client_seed: seed.clientSeed, nonce: seed.nonce });

export type FairnessOptions = BetLimits & {
  /** Verifications per second and burst, per client address: each costs HMACs and a game. */
  verifyRatePerSecond: number;
  verifyBurst: number;
  /** The cluster's limits (Redis): the verification rate then holds across instances. */
  shared?: Shared;
};

export class FairnessService {
  private readonly verifyLimiter: SharedRateLimiter;

  constructor(
    private readonly sql: SQL,
    private readonly dialect: Dialect,
    private readonly options: FairnessOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.verifyLimiter = new SharedRateLimiter('verify', options.verifyRatePerSecond, options.verifyBurst, clock, options.shared);
  }

  async state(userId: number): Promise<FairnessState> {
    return stateOf(await getOrCreate(this.sql, this.dialect, userId));
  }

  async setClientSeed(userId: number, clientSeed: string): Promise<FairnessState> {
    return stateOf(await setClientSeed(this.sql, this.dialect, userId, clientSeed));
  }

  async rotate(userId: number): Promise<Rotation> {
    const { revealed, active } = await rotate(this.sql, this.dialect, userId, this.clock.now());
    return { revealed_server_seed: revealed.serverSeed, revealed_server_seed_hash: revealed.serverSeedHash, ...stateOf(active) };
  }

  async revealed(userId: number, query: RevealedQuery): Promise<RevealedPage> {
    const limit = pageLimit(query.limit, DEFAULT_PAGE, MAX_PAGE);
    const before = query.before === undefined ? undefined : positiveInteger(query.before, 'invalid_before', 'before');
    const seeds = await revealedPage(this.sql, userId, before, limit);
    const isFull = seeds.length === limit;
    return { seeds, next_before: isFull ? seeds[seeds.length - 1]!.id : null };
  }

  /**
   * Recomputes a play from its seeds alone: no account, no database, nothing written. The
   * result is the play's `result` exactly, payout and fairness included.
   */
  async verify(body: VerifyBody, address: string): Promise<{ result: Record<string, unknown> }> {
    const retryAfter = await this.verifyLimiter.take(address);
    if (retryAfter !== undefined) throw tooManyRequests('too many verifications from this address; slow down', retryAfter);
    const game = games.find((candidate) => candidate.type === body.game_type)!;
    if (!Value.Check(game.body, body.params)) throw badRequest('invalid_params', `params are not a valid ${game.type} request body`);
    const betMinor = checkBet(game, body.params, this.options);
    if (typeof betMinor !== 'number') throw badRequest(betMinor.code, betMinor.message);
    const seed = { serverSeed: body.server_seed, serverSeedHash: seedHash(body.server_seed), clientSeed: body.client_seed, nonce: body.nonce };
    const { result, payoutMinor } = fairOutcome(game, body.params, betMinor, seed);
    return { result: { ...result, payout: fromMinor(payoutMinor) } };
  }

  close(): void {
    this.verifyLimiter.close();
  }
}
