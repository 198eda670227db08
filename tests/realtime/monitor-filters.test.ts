/**
 * Server-side monitor filters: a monitor that asks for some games, one user, or bets or win
 * multipliers above a floor is sent only those events, in its snapshot and live; `subscribe`
 * changes the filter on an open socket; a bad filter is refused and changes nothing.
 */
import { describe, expect, it } from 'bun:test';
import { crashPointHundredths } from '../../src/games/crash';
import type { Rng } from '../../src/games/rng';
import { openSocket, upgradeStatus, type TestSocket } from '../support/socket';
import { waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

/** Crash points alternate 1.98 and 0.99: a cashout of 1.5 wins, then loses, then wins… */
let draws = 0;
const alternating: Rng = { int: (n) => draws++ % n, float: () => (draws++ % 2 === 0 ? 0.5 : 0) };
expect(crashPointHundredths(0.5)).toBe(198);

const suite = useServer({ INITIAL_BALANCE: '100000' }, { rng: alternating });

async function monitor(query: Record<string, string> = {}): Promise<{ socket: TestSocket; snapshot: Record<string, any> }> {
  const admin = await suite.client.loginAdmin();
  const socket = suite.sockets.track(openSocket(suite.server.url, '/api/games/ws/monitor', { token: admin.access_token, query }));
  return { socket, snapshot: await socket.next('monitor_snapshot') };
}

const games = (socket: TestSocket) => socket.all('game_event').map((m) => `${m.game_type}:${m.bet}:${m.result.payout}`);

describe('monitor filters', () => {
  it('sends a filtered monitor only the events that pass, live and in the snapshot, and presence to all', async () => {
    const player = await suite.client.signup('filtered');
    const all = await monitor();
    const crashOnly = await monitor({ games: 'crash' });
    const bigBets = await monitor({ min_bet: '5' });
    const wins = await monitor({ games: 'crash', min_multiplier: '1.5' });
    const mine = await monitor({ user_id: String(player.user.id) });

    // One after another, so the answers are in event order.
    const answers = [];
    answers.push((await suite.client.play(player.access_token, 'slot', { bet: 1 })).json);
    answers.push((await suite.client.play(player.access_token, 'crash', { bet: 6, cashout: 1.5 })).json);
    answers.push((await suite.client.play(player.access_token, 'crash', { bet: 2, cashout: 1.5 })).json);
    answers.push((await suite.client.play(player.access_token, 'rps', { bet: 7, choice: 'rock' })).json);
    await waitUntil(() => games(all.socket).length >= 4, 'every event on the unfiltered monitor');
    await Bun.sleep(20);

    const crashes = answers.filter((a) => a.game_type === 'crash');
    expect(games(crashOnly.socket)).toEqual(crashes.map((a) => `crash:${a.bet}:${a.result.payout}`));
    expect(games(bigBets.socket).map((g) => g.split(':')[0])).toEqual(['crash', 'rps']);
    const won = crashes.filter((a) => a.result.payout / a.bet >= 1.5);
    expect(won.length).toBeGreaterThan(0);
    expect(games(wins.socket)).toEqual(won.map((a) => `crash:${a.bet}:${a.result.payout}`));
    expect(games(mine.socket).length).toBe(4);

    // A new monitor's snapshot honours its filter.
    const late = await monitor({ games: 'rps' });
    expect(late.snapshot.recent_events.map((e: any) => e.game_type)).toEqual(['rps']);
  });

  it('switches filter on a subscribe message, with a fresh snapshot', async () => {
    const player = await suite.client.signup('switch');
    const { socket } = await monitor({ games: 'slot' });
    socket.send({ type: 'subscribe', games: ['gacha'] });
    const snapshot = await socket.next('monitor_snapshot');
    expect(snapshot.recent_events.every((e: any) => e.game_type === 'gacha')).toBe(true);
    await suite.client.play(player.access_token, 'slot', { bet: 1 });
    await suite.client.play(player.access_token, 'gacha', { bet: 1 });
    await waitUntil(() => games(socket).length >= 1, 'the gacha event');
    await Bun.sleep(20);
    expect(games(socket).map((g) => g.split(':')[0])).toEqual(['gacha']);
  });

  it('refuses a bad filter: 400 on the upgrade, invalid_filter on a subscribe (keeping the old one)', async () => {
    const admin = await suite.client.loginAdmin();
    for (const query of ['games=poker', 'user_id=abc', 'min_bet=-1', 'min_multiplier=']) {
      const answer = await upgradeStatus(suite.server.url, `/api/games/ws/monitor?${query}`, { authorization: `Bearer ${admin.access_token}` });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_filter');
    }
    const { socket } = await monitor({ games: 'slot' });
    socket.send({ type: 'subscribe', games: ['poker'] });
    expect((await socket.next('error')).code).toBe('invalid_filter');
    const player = await suite.client.signup('kept');
    await suite.client.play(player.access_token, 'slot', { bet: 1 });
    await waitUntil(() => games(socket).length === 1, 'the slot event under the kept filter');
  });
});
