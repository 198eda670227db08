/** A play under committed seeds: the game's outcome with the seeds it came from in the result. */
import type { Game, Outcome } from '../games/game';
import type { Rng } from '../games/rng';
import { hmacRng } from './hmac-rng';
import type { PlayFairness } from './model';
import type { PlaySeed } from './store';

/**
 * Plays `game` on the HMAC stream of `seed` and adds `fairness` to the result. `rng` replaces
 * the stream only where tests inject one (the result then cannot be verified).
 */
export function fairOutcome(game: Game, input: Record<string, unknown>, betMinor: number, seed: PlaySeed, rng?: Rng): Outcome {
  const { result, payoutMinor } = game.play(input, betMinor, rng ?? hmacRng(seed));
  const fairness: PlayFairness = { server_seed_hash: seed.serverSeedHash, client_seed: seed.clientSeed, nonce: seed.nonce };
  return { result: { ...result, fairness }, payoutMinor };
}
