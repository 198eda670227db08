/** Playing a game: the checks around a bet, the ledger transaction, then the publish. */
import { badRequest, tooManyRequests } from '../http/errors';
import { KeyedRateLimiter } from '../http/rate-limit';
import type { Hub } from '../realtime/hub';
import type { Ledger, PlayOutcome } from '../wallet/ledger';
import { toMinor } from '../wallet/money';
import type { Game } from './game';

export type BetLimits = { minBet: number; maxBet: number };

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** A bet in minor units, or an `invalid_bet` error saying what is wrong with it. */
export function parseBet(bet: unknown, limits: BetLimits): number {
  const isPositiveFinite = typeof bet === 'number' && Number.isFinite(bet) && bet > 0;
  if (!isPositiveFinite) throw badRequest('invalid_bet', 'bet must be a positive finite number');
  const minor = toMinor(bet);
  if (minor === undefined) throw badRequest('invalid_bet', 'bet has at most two decimals');
  if (bet < limits.minBet || bet > limits.maxBet) {
    throw badRequest('invalid_bet', `bet must be between ${limits.minBet} and ${limits.maxBet}`);
  }
  return minor;
}

export class GameService {
  private readonly limiter: KeyedRateLimiter;

  constructor(
    private readonly ledger: Ledger,
    private readonly hub: Hub,
    private readonly options: BetLimits & { playRatePerSecond: number; playBurst: number },
  ) {
    this.limiter = new KeyedRateLimiter(options.playRatePerSecond, options.playBurst);
  }

  async play(userId: number, game: Game, body: Record<string, unknown>, idempotencyKey: string | undefined): Promise<PlayOutcome> {
    const retryAfter = this.limiter.take(userId);
    if (retryAfter !== undefined) throw tooManyRequests('too many plays; slow down', retryAfter);
    const betMinor = parseBet(body.bet, this.options);
    const refusal = game.check?.(body);
    if (refusal) throw badRequest(refusal.code, refusal.message);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const idempotency = idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: requestHash(game, body) };
    const outcome = await this.ledger.play({ userId, game, input: body, betMinor, idempotency });
    if (outcome.published) {
      const { gameEvent, balanceUpdate } = outcome.published;
      this.hub.publishGameEvent(userId, gameEvent);
      this.hub.publishToUser(userId, balanceUpdate);
    }
    return outcome;
  }

  close(): void {
    this.limiter.close();
  }
}

function requestHash(game: Game, body: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.keys(body).sort().map((key) => [key, body[key]]));
  return new Bun.CryptoHasher('sha256').update(`${game.type}\n${canonical}`).digest('hex');
}

