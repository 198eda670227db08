import { Type as t } from '@sinclair/typebox';

/**
 * A bet as it arrives: a JSON number. Its range and precision (positive, finite, whole cents,
 * within MIN_BET..MAX_BET) are configuration, checked by `parseBet` in the ledger's terms.
 */
export const Bet = t.Number({ description: 'amount staked, at most two decimals' });

/** The games the server offers, by type: the one list the wire schemas and the catalogue share. */
export const GameType = t.Union([t.Literal('slot'), t.Literal('rps'), t.Literal('gacha'), t.Literal('crash')]);
export type GameType = typeof GameType.static;

/** What a play answers: the balance after it is the old one minus `bet` plus `result.payout`. */
export const PlayResponse = t.Object({
  event_id: t.String({ description: 'opaque; orders the user’s events' }),
  game_type: GameType,
  bet: t.Number(),
  result: t.Object({ payout: t.Number({ description: 'credited back; 0 on a loss' }) }, { additionalProperties: true }),
  balance: t.Number({ description: 'the balance after the play' }),
});
export type PlayResponse = typeof PlayResponse.static;
