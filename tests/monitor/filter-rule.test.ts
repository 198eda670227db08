/**
 * One rule, written twice: the monitor page filters the events it holds (page/model.js
 * `matches`) and the server the events it sends (realtime/monitor-feed.ts `passes`). Both must
 * answer every row of one table alike. The server is given the filter the page sends it
 * (`subscribeMessage`, checked by `checkFilter` as a socket's message is), so the page's
 * translation into the server's terms is held to the table too.
 */
import { describe, expect, it } from 'bun:test';
import type { GameEvent, MonitorFilter } from '../../client/protocol/messages';
import { checkFilter, passes } from '../../src/realtime/monitor-feed';

/** The page's own module, as the browser loads it (plain JavaScript, no types). */
const PAGE_MODEL = '../../src/monitor/page/model.js';
const page: { matches(filter: object, event: object): boolean; subscribeMessage(filter: object): Record<string, unknown> } = await import(PAGE_MODEL);

type Event = Pick<GameEvent, 'game_type' | 'user_id' | 'bet' | 'result'>;
const event = (game_type: GameEvent['game_type'], user_id: number, bet: number, payout: number): Event => ({ game_type, user_id, bet, result: { payout } });

/** [what the row shows, the page's filter, the event, whether it is shown]. */
const RULE: [string, { games?: string[]; userId?: number; minBet?: number; minMultiplier?: number }, Event, boolean][] = [
  ['no filter: every event', {}, event('slot', 1, 1, 0), true],
  ['a game kept', { games: ['slot'] }, event('slot', 1, 1, 0), true],
  ['a game not kept', { games: ['slot'] }, event('rps', 1, 1, 0), false],
  ['one of several games', { games: ['slot', 'crash'] }, event('crash', 1, 1, 0), true],
  ['the user', { userId: 7 }, event('gacha', 7, 1, 0), true],
  ['another user', { userId: 7 }, event('gacha', 8, 1, 0), false],
  ['a bet at the floor', { minBet: 5 }, event('slot', 1, 5, 0), true],
  ['a bet under the floor', { minBet: 5 }, event('slot', 1, 4.99, 0), false],
  ['a win at the multiplier', { minMultiplier: 2 }, event('crash', 1, 10, 20), true],
  ['a win under the multiplier', { minMultiplier: 2 }, event('crash', 1, 10, 19.99), false],
  ['a loss, with a multiplier asked', { minMultiplier: 0.5 }, event('rps', 1, 10, 0), false],
  ['a loss, with a multiplier of 0', { minMultiplier: 0 }, event('rps', 1, 10, 0), true],
  ['all four fields met', { games: ['rps'], userId: 7, minBet: 1, minMultiplier: 1.5 }, event('rps', 7, 2, 3.88), true],
  ['all but the game', { games: ['rps'], userId: 7, minBet: 1, minMultiplier: 1.5 }, event('slot', 7, 2, 3.88), false],
  ['all but the bet', { games: ['rps'], userId: 7, minBet: 1, minMultiplier: 1.5 }, event('rps', 7, 0.5, 0.97), false],
];

/** The filter the server holds after the page's `subscribe`. */
function serverFilter(pageFilter: object): MonitorFilter | undefined {
  const { type: _type, ...fields } = page.subscribeMessage(pageFilter);
  const checked = checkFilter(fields);
  if (checked && 'error' in checked) throw new Error(`the server refused the page's filter: ${checked.error}`);
  return checked;
}

describe('the monitor filter, on the page and on the server', () => {
  for (const [what, filter, shown, expected] of RULE) {
    it(`${expected ? 'shows' : 'hides'} ${what}, on both sides`, () => {
      const held = serverFilter(filter);
      expect([page.matches(filter, shown), held ? passes(held, shown) : true]).toEqual([expected, expected]);
    });
  }

  it('differs only where meant to: no game ticked shows nothing in the page, but asks the server for every game, not for none', () => {
    expect(page.matches({ games: [] }, event('slot', 1, 1, 0))).toBe(false);
    expect(serverFilter({ games: [] })).toBeUndefined();
  });
});
