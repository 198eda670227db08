import type { TObject } from '@sinclair/typebox';
import type { GameType } from './catalogue';
import type { Rng } from './rng';

export type { GameType } from './catalogue';

/** What a game decides: the result shown to the player and the payout in minor units. */
export type Outcome = {
  result: Record<string, unknown>;
  payoutMinor: number;
};

/**
 * A game is a pure function of the player's input and an RNG. It knows nothing of balances,
 * storage or sockets; the ledger charges and credits around it.
 */
export interface Game<Input extends Record<string, unknown> = Record<string, unknown>, Type extends string = GameType> {
  /** The game's name on the wire (`game_type`); the catalogue's games make GameType. */
  type: Type;
  /** Route below /api/games, e.g. "slot/spin". */
  path: string;
  /** The request body's schema: `bet` plus the game's own fields. */
  body: TObject;
  /** Return to player, as stated and held by the simulation test (payout / bet over many plays). */
  rtp: number;
  /** The rule in a sentence or two, for players and for GET /api/games. */
  rule: string;
  /** Checks what a schema cannot (ranges of the game's own fields); returns an error to refuse. */
  check?(input: Input): { code: string; message: string } | undefined;
  play(input: Input, betMinor: number, rng: Rng): Outcome;
}
