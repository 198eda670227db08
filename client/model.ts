/**
 * What the REST API takes and returns, for the client. Bodies and the token response are the
 * server's own TypeBox schemas (types only: nothing of the server runs in a client); the play
 * response, which the server writes as text, is declared here once.
 */
import { Type as t, type Static, type TSchema } from '@sinclair/typebox';
import type { TokenResponse, User } from '../src/auth/model';
import type { CrashBody } from '../src/games/crash';
import type { GachaBody } from '../src/games/gacha';
import type { RpsBody } from '../src/games/rps';
import type { SlotBody } from '../src/games/slot';

export type { TokenResponse, User };
export type { GameEvent, ServerMessage } from '../src/realtime/events';

export type GameName = 'slot' | 'rps' | 'gacha' | 'crash';
export const GAME_NAMES: readonly GameName[] = ['slot', 'rps', 'gacha', 'crash'];

/** The route of each game below /api/games (API.md). */
export const GAME_PATHS: Record<GameName, string> = { slot: 'slot/spin', rps: 'rps/play', gacha: 'gacha/pull', crash: 'crash/bet' };

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
