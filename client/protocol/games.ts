/**
 * The games on the wire: which there are, the route of each, what a play takes (its body) and
 * what it answers. The server's games (src/games/) import their bodies from here; what they do
 * with them (the rules, the RNG, the payout) stays on the server.
 */
import { Type as t } from '@sinclair/typebox';

/**
 * A bet as it arrives: a JSON number. Its range and precision (positive, finite, whole cents,
 * within MIN_BET..MAX_BET) are configuration, checked by `parseBet` in the ledger's terms.
 */
export const Bet = t.Number({ description: 'amount staked, at most two decimals' });

export const SlotBody = t.Object({ bet: Bet }, { additionalProperties: false });
export type SlotBody = typeof SlotBody.static;

export const CHOICES = ['rock', 'paper', 'scissors'] as const;
export type Choice = (typeof CHOICES)[number];
export const RpsBody = t.Object({ bet: Bet, choice: t.Union(CHOICES.map((choice) => t.Literal(choice))) }, { additionalProperties: false });
export type RpsBody = typeof RpsBody.static;

export const GachaBody = t.Object({ bet: Bet }, { additionalProperties: false });
export type GachaBody = typeof GachaBody.static;

/** A crash bet's cashout target: at least 1.01×, at most 1000×, two decimals. */
export const MIN_CASHOUT = 1.01;
export const MAX_CASHOUT = 1000;
export const CrashBody = t.Object({ bet: Bet, cashout: t.Number({ minimum: MIN_CASHOUT, maximum: MAX_CASHOUT }) }, { additionalProperties: false });
export type CrashBody = typeof CrashBody.static;

/** Fields every play's result carries; each game adds its own. */
const ResultBase = { payout: t.Number(), multiplier: t.Number() };
/** A newer server may add fields to a result: a client keeps what it knows. */
const open = { additionalProperties: true } as const;

/**
 * The games on the wire, by type: the route of each below /api/games, what a play takes (its
 * body) and the fields its result has. The one list of the client (its types, the wire
 * schemas' `game_type`); the server's catalogue (src/games/catalogue.ts) must name the same
 * games, which the compiler checks there. A new game adds its entry here, its method in
 * rest.ts and its mapping in fairness.ts.
 */
export const GAMES = {
  slot: { path: 'slot/spin', body: SlotBody, result: t.Object({ ...ResultBase, reels: t.Array(t.String()) }, open) },
  rps: {
    path: 'rps/play',
    body: RpsBody,
    result: t.Object({ ...ResultBase, choice: t.String(), house_choice: t.String(), outcome: t.Union([t.Literal('win'), t.Literal('draw'), t.Literal('lose')]) }, open),
  },
  gacha: { path: 'gacha/pull', body: GachaBody, result: t.Object({ ...ResultBase, rarity: t.String(), item: t.String() }, open) },
  crash: { path: 'crash/bet', body: CrashBody, result: t.Object({ ...ResultBase, cashout: t.Number(), crash_point: t.Number(), won: t.Boolean() }, open) },
} as const;

export type GameType = keyof typeof GAMES;
/** The game types as a schema (`anyOf` of their literals), from GAMES. */
export const GameType = t.Unsafe<GameType>(t.Union(Object.keys(GAMES).map((game) => t.Literal(game))));

/** The route of each game below /api/games. */
export const GAME_PATHS = Object.fromEntries(Object.entries(GAMES).map(([game, { path }]) => [game, path])) as { [G in GameType]: (typeof GAMES)[G]['path'] };

/** What a play answers: the balance after it is the old one minus `bet` plus `result.payout`. */
export const PlayResponse = t.Object({
  event_id: t.String({ description: 'opaque; orders the user’s events' }),
  game_type: GameType,
  bet: t.Number(),
  result: t.Object({ payout: t.Number({ description: 'credited back; 0 on a loss' }) }, { additionalProperties: true }),
  balance: t.Number({ description: 'the balance after the play' }),
});
export type PlayResponse = typeof PlayResponse.static;

/** One game as `GET /api/games` lists it: what a client needs to offer it. */
export const GameListing = t.Object({
  game_type: GameType,
  route: t.String({ description: 'POST here to play, e.g. /api/games/slot/spin' }),
  input: t.Unknown({ description: "the request body's JSON Schema (the bet and the game's own fields)" }),
  rule: t.String({ description: 'the rule in a sentence or two' }),
  rtp: t.Number({ description: 'return to player: payout ÷ bet over many plays, as the simulation test holds it' }),
});
export type GameListing = typeof GameListing.static;
export const GamesResponse = t.Object({ games: t.Array(GameListing) });
export type GamesResponse = typeof GamesResponse.static;
