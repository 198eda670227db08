/** Playing a game: the checks around a bet, then the ledger transaction; refusals become HTTP errors. */
import { accountBlocked, AppError, badRequest, conflict, tooManyRequests } from '../errors';
import type { SharedRateLimiter } from '../limits/shared-limits';
import type { Ledger, Refusal } from '../wallet/ledger';
import { checkBet, type BetLimits } from '../games/bet-rules';
import type { Game } from '../games/game';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** An Idempotency-Key header as plays (and admin adjustments) take it: 400 unless 1 to 255 printable ASCII characters. */
export function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
}

/** The bet rules (games/bet-rules.ts), a refusal answered 400 as the play route answers it. */
export function checkPlay(game: Game, body: Record<string, unknown>, limits: BetLimits): number {
  const checked = checkBet(game, body, limits);
  if (typeof checked !== 'number') throw badRequest(checked.code, checked.message);
  return checked;
}

const REFUSALS: Record<Refusal, () => AppError> = {
  insufficient_funds: () => new AppError(402, 'insufficient_funds', 'the bet is more than the balance'),
  account_blocked: () => accountBlocked(),
  idempotency_key_reused: () => new AppError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request'),
  idempotency_key_in_use: () => conflict('idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed'),
};

/** The response to send: the play's JSON text, and whether it repeats an earlier one. */
export type PlayResponse = { body: string; replayed: boolean };

export class GameService {
  constructor(
    private readonly ledger: Ledger,
    private readonly limiter: SharedRateLimiter,
    private readonly limits: BetLimits,
  ) {}

  async play(userId: number, game: Game, body: Record<string, unknown>, idempotencyKey: string | undefined): Promise<PlayResponse> {
    const retryAfter = await this.limiter.take(userId);
    if (retryAfter !== undefined) throw tooManyRequests('too many plays; slow down', retryAfter);
    const betMinor = checkPlay(game, body, this.limits);
    checkIdempotencyKey(idempotencyKey);
    const idempotency = idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: requestHash(game, body) };
    const outcome = await this.ledger.play({ userId, game, input: body, betMinor, idempotency });
    switch (outcome.kind) {
      case 'settled':
        return { body: outcome.texts.response, replayed: false };
      case 'replayed':
        return { body: outcome.response, replayed: true };
      case 'refused':
        throw REFUSALS[outcome.refusal]();
    }
  }
}

function requestHash(game: Game, body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return new Bun.CryptoHasher('sha256').update(`${game.type}\n${canonical}`).digest('hex');
}
