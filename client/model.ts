/**
 * What the REST API takes and returns, for the client. Bodies, routes and the token response
 * come from the wire contract (./protocol, which the server imports too); each game's play
 * response, with its own result fields, is declared here: the server writes the answer as text
 * and its schema names only the fields every game shares.
 */
import { Type as t, type Static, type TSchema } from '@sinclair/typebox';
import type { TokenResponse, User } from './protocol/auth';
import { GAME_PATHS, GameType, type CrashBody, type GachaBody, type RpsBody, type SlotBody } from './protocol/games';

export type { TokenResponse, User };
export type { GameEvent, ServerMessage } from './protocol/messages';
export { GAME_PATHS };

export type GameName = GameType;
export const GAME_NAMES: readonly GameName[] = GameType.anyOf.map((literal) => literal.const);

export type PlayBodies = { slot: SlotBody; rps: RpsBody; gacha: GachaBody; crash: CrashBody };

/** Fields every result carries; each game adds its own (reels, rarity, crash_point, fairness…). */
const ResultBase = { payout: t.Number(), multiplier: t.Number() };
const open = { additionalProperties: true } as const;

const PlayResults = {
  slot: t.Object({ ...ResultBase, reels: t.Array(t.String()) }, open),
  rps: t.Object({ ...ResultBase, choice: t.String(), house_choice: t.String(), outcome: t.Union([t.Literal('win'), t.Literal('draw'), t.Literal('lose')]) }, open),
  gacha: t.Object({ ...ResultBase, rarity: t.String(), item: t.String() }, open),
  crash: t.Object({ ...ResultBase, cashout: t.Number(), crash_point: t.Number(), won: t.Boolean() }, open),
};

const playResponse = <G extends GameName, R extends TSchema>(game: G, result: R) =>
  t.Object({ event_id: t.String(), game_type: t.Literal(game), bet: t.Number(), result, balance: t.Number() }, open);

/** A play's answer: `balance` is after the play, so it equals the old balance − bet + payout. */
export const PlayResponses = {
  slot: playResponse('slot', PlayResults.slot),
  rps: playResponse('rps', PlayResults.rps),
  gacha: playResponse('gacha', PlayResults.gacha),
  crash: playResponse('crash', PlayResults.crash),
};
type PlayResponseMap = { [G in GameName]: Static<(typeof PlayResponses)[G]> };
export type PlayResponse<G extends GameName = GameName> = PlayResponseMap[G];

export type PlayOptions = {
  /** Makes the play safe to retry: the same key returns the first answer, charged once. */
  idempotencyKey?: string;
};
