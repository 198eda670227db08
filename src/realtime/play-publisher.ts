/**
 * A settled play on the wire: the texts stored with it (its `game_event` and its REST
 * response, written once, inside the play's transaction) and what is published after the
 * commit (the event to the user and the monitors, then the user's `balance_update`). An
 * admin's adjustment is published the same way: a `balance_update` to the user's sockets on
 * every instance. The ledger is given a `PlayPublisher` at construction (realtime's side of
 * the seam `LedgerPublisher`) and hands it every commit, in order.
 */
import { eventId, messages } from './events';
import type { Outbound } from './outbound';
import type { LedgerPublisher, PlayTexts, SettledAdjustment, SettledPlay } from '../wallet/outcomes';
import { fromMinor } from '../money';
import type { GameType } from '../games/game';

/** Where each settled play is counted (observability/metrics.ts). */
export interface PlayCounter {
  played(gameType: GameType, betMinor: number, payoutMinor: number): void;
}

/** Publishes what the ledger committed through the hub's way out (outbound.ts), and counts each play. */
export class PlayPublisher implements LedgerPublisher {
  constructor(
    private readonly outbound: Pick<Outbound, 'publishToUser'>,
    private readonly counter?: PlayCounter,
  ) {}

  render(play: SettledPlay): PlayTexts {
    return renderPlay(play);
  }

  /**
   * Called per user in `seq` order, right after the commit; the hub keeps that order on every
   * socket. The game_event (to the user and the monitors) and the user's balance_update go as
   * one broker message, a line each.
   */
  played(play: SettledPlay, texts: PlayTexts): void {
    this.counter?.played(play.gameType, play.betMinor, play.payoutMinor);
    this.outbound.publishToUser(play.userId, `${texts.event}\n${balanceUpdateOf(play)}`);
  }

  /** Each committed adjustment as the user's `balance_update`, in commit order with their plays. */
  adjusted(adjustment: SettledAdjustment): void {
    this.outbound.publishToUser(
      adjustment.userId,
      messages.balanceUpdate({
        user_id: adjustment.userId,
        balance: fromMinor(adjustment.balanceMinor),
        delta: fromMinor(adjustment.amountMinor),
        reason: 'adjustment',
        event_id: adjustmentEventId(adjustment.auditId),
        ts: adjustment.at.toISOString(),
      }),
    );
  }
}

/** The stored texts of a play. The result gains its payout; everything leaves minor units here. */
export function renderPlay(play: SettledPlay): PlayTexts {
  const event_id = eventId(play.userId, play.seq);
  const bet = fromMinor(play.betMinor);
  const result = { ...play.result, payout: fromMinor(play.payoutMinor) };
  return {
    event: messages.gameEvent({ event_id, game_type: play.gameType, user_id: play.userId, bet, result, ts: play.at.toISOString(), cursor: String(play.position) }),
    response: JSON.stringify({ event_id, game_type: play.gameType, bet, result, balance: fromMinor(play.balanceMinor) }),
  };
}

/** The user's `balance_update` after a play. */
function balanceUpdateOf(play: SettledPlay): string {
  return messages.balanceUpdate({
    user_id: play.userId,
    balance: fromMinor(play.balanceMinor),
    delta: fromMinor(play.payoutMinor - play.betMinor),
    reason: play.gameType,
    event_id: eventId(play.userId, play.seq),
    ts: play.at.toISOString(),
  });
}

/** The `event_id` of an adjustment's balance_update: not an event of the user's stream, so not `<user>-<seq>`. */
export const adjustmentEventId = (auditId: number) => `adjustment-${auditId}`;
