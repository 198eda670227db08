/**
 * What the REST API takes and returns, for the client. Bodies, routes, result fields and the
 * token response come from the wire contract (./protocol, which the server imports too); each
 * game's play response is built here from its result fields: the server writes the answer as
 * text and its schema names only the fields every game shares.
 */
import { Type as t, type Static, type TSchema } from '@sinclair/typebox';
import type { TokenResponse, User } from './protocol/auth';
import { GAME_PATHS, GAMES, type GameType } from './protocol/games';

export type { TokenResponse, User };
export type { GameEvent, ServerMessage } from './protocol/messages';
export { GAME_PATHS };

export type GameName = GameType;
export const GAME_NAMES = Object.keys(GAMES) as readonly GameName[];

export type PlayBodies = { [G in GameName]: Static<(typeof GAMES)[G]['body']> };

const playResponse = <G extends GameName, R extends TSchema>(game: G, result: R) =>
  t.Object({ event_id: t.String(), game_type: t.Literal(game), bet: t.Number(), result, balance: t.Number() }, { additionalProperties: true });
type PlayResponseMap = { [G in GameName]: { event_id: string; game_type: G; bet: number; result: Static<(typeof GAMES)[G]['result']>; balance: number } };

/** A play's answer: `balance` is after the play, so it equals the old balance − bet + payout. */
export const PlayResponses = Object.fromEntries<TSchema>(GAME_NAMES.map((game) => [game, playResponse(game, GAMES[game].result)])) as Record<GameName, TSchema>;
export type PlayResponse<G extends GameName = GameName> = PlayResponseMap[G];

export type PlayOptions = {
  /** Makes the play safe to retry: the same key returns the first answer, charged once. */
  idempotencyKey?: string;
};
