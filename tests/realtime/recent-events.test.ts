import { describe, expect, it } from 'bun:test';
import { eventId, messages } from '../../src/realtime/events';
import { RecentEvents } from '../../src/realtime/recent-events';

const event = (userId: number, seq: number, ms: number) =>
  messages.gameEvent({ event_id: eventId(userId, seq), game_type: 'slot', user_id: userId, bet: 1, result: { payout: 0 }, ts: new Date(1_750_000_000_000 + ms).toISOString() });
const ids = (recent: RecentEvents) => recent.latest().map((m) => JSON.parse(m).event_id);

describe('RecentEvents', () => {
  it('keeps the newest events up to its capacity, oldest first', () => {
    const recent = new RecentEvents(3);
    expect(recent.latest()).toEqual([]);
    for (let seq = 1; seq <= 5; seq++) recent.push(event(7, seq, seq));
    expect(ids(recent)).toEqual(['7-3', '7-4', '7-5']);
  });

  it('holds the same events in the same order whatever order they arrived in', () => {
    const all = [event(1, 1, 10), event(2, 1, 10), event(1, 2, 11), event(3, 1, 12), event(2, 2, 13), event(1, 3, 13)];
    const shuffles = [all, [...all].reverse(), [all[3]!, all[0]!, all[5]!, all[1]!, all[4]!, all[2]!]];
    const held = shuffles.map((order) => {
      const recent = new RecentEvents(4);
      for (const message of order) recent.push(message);
      return ids(recent);
    });
    expect(held[0]).toEqual(['1-2', '3-1', '1-3', '2-2']);
    expect(held[1]).toEqual(held[0]!);
    expect(held[2]).toEqual(held[0]!);
  });

  it('keeps an event once, however often it arrives, and ignores what is not a game_event', () => {
    const recent = new RecentEvents(5);
    recent.push(event(1, 1, 1));
    recent.push(event(1, 1, 1));
    recent.push(messages.presence(1, 'join'));
    expect(ids(recent)).toEqual(['1-1']);
    expect(new RecentEvents(0).latest()).toEqual([]);
  });
});
