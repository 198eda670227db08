/**
 * `GET /api/admin/stats`: period totals summed by the database from the ledger, exact on both
 * engines against the sums of the plays the server answered, over all time, over a period cut
 * at events' own timestamps, and for one game.
 */
import { describe, expect, it } from 'bun:test';
import type { Api, GameName } from '../support/client';
import { GAME_NAMES } from '../support/client';
import { describeEngines } from '../support/server';
import { useServer } from '../support/suite';

type Played = { game: GameName; betCents: number; payoutCents: number; at: number };

const cents = (amount: number) => Math.round(amount * 100);

/** What the stats route must answer for these plays, computed here in cents. */
function expected(plays: Played[]) {
  const sum = (of: Played[]) => {
    const bet = of.reduce((total, play) => total + play.betCents, 0);
    const payout = of.reduce((total, play) => total + play.payoutCents, 0);
    return { plays: of.length, bet: bet / 100, payout: payout / 100, ggr: (bet - payout) / 100, rtp: bet === 0 ? null : payout / bet };
  };
  return { games: Object.fromEntries(GAME_NAMES.map((game) => [game, sum(plays.filter((play) => play.game === game))])), all: sum(plays) };
}

/** Every stored event's timestamp by event_id, read back through the admin events listing. */
async function timestamps(client: Api, token: string): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  let before: number | null = null;
  do {
    const page = await client.get(`/api/admin/events?limit=100${before === null ? '' : `&before=${before}`}`, token);
    for (const event of page.json.events) at.set(event.event_id, Date.parse(event.ts));
    before = page.json.next_before;
  } while (before !== null);
  return at;
}

describeEngines('GET /api/admin/stats on %s', (engine) => {
  const suite = useServer({}, { engine });
  let plays: Played[] = [];
  let adminToken = '';

  it('sums every play of all time exactly, per game and in all', async () => {
    const { client } = suite;
    adminToken = (await client.loginAdmin()).access_token;
    const players = await Promise.all([client.signup('stats'), client.signup('stats'), client.signup('stats')]);
    const answers: { game: GameName; json: any }[] = [];
    // Rounds of concurrent plays, so some share a transaction (group commit) and some do not.
    for (let round = 0; round < 12; round++) {
      const batch = players.map(async (player, i) => {
        const game = GAME_NAMES[(round + i) % GAME_NAMES.length]!;
        const bet = [0.37, 1, 2.5, 10.01][(round * 3 + i) % 4]!;
        const response = await client.play(player.access_token, game, { bet });
        expect(response.status).toBe(200);
        answers.push({ game, json: response.json });
      });
      await Promise.all(batch);
    }
    const at = await timestamps(client, adminToken);
    plays = answers.map(({ game, json }) => ({ game, betCents: cents(json.bet), payoutCents: cents(json.result.payout), at: at.get(json.event_id)! }));
    expect(plays.every((play) => Number.isFinite(play.at))).toBe(true);

    const response = await client.get('/api/admin/stats', adminToken);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ from: null, to: null, ...expected(plays) });
  });

  it('sums a period from (inclusive) to (exclusive), cut at the events’ own times', async () => {
    const times = [...new Set(plays.map((play) => play.at))].sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 4)]!;
    const to = times[Math.floor((times.length * 3) / 4)]!;
    const inPeriod = plays.filter((play) => play.at >= from && play.at < to);
    expect(inPeriod.length).toBeGreaterThan(0);
    expect(inPeriod.length).toBeLessThan(plays.length);
    const [fromIso, toIso] = [new Date(from).toISOString(), new Date(to).toISOString()];
    const response = await suite.client.get(`/api/admin/stats?from=${fromIso}&to=${toIso}`, adminToken);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ from: fromIso, to: toIso, ...expected(inPeriod) });

    // An offset is the same instant; a date alone is its UTC midnight.
    const offset = new Date(from + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect((await suite.client.get(`/api/admin/stats?from=${encodeURIComponent(offset)}&to=${toIso}`, adminToken)).json).toEqual(response.json);
    const today = new Date(from).toISOString().slice(0, 10);
    expect((await suite.client.get(`/api/admin/stats?from=${today}`, adminToken)).json.from).toBe(`${today}T00:00:00.000Z`);
  });

  it('narrows to one game, and answers zeros and a null RTP for a period with no plays', async () => {
    const response = await suite.client.get('/api/admin/stats?game_type=crash', adminToken);
    const crash = expected(plays.filter((play) => play.game === 'crash'));
    expect(response.json).toEqual({ from: null, to: null, games: { crash: crash.games.crash }, all: crash.games.crash });

    const empty = await suite.client.get('/api/admin/stats?from=2001-01-01&to=2001-01-02', adminToken);
    const zero = { plays: 0, bet: 0, payout: 0, ggr: 0, rtp: null };
    expect(empty.json).toEqual({ from: '2001-01-01T00:00:00.000Z', to: '2001-01-02T00:00:00.000Z', games: Object.fromEntries(GAME_NAMES.map((game) => [game, zero])), all: zero });
  });

  describe('refusals', () => {
    it('answers each bad parameter with its own code, and admins only', async () => {
      const cases = [
        ['from=yesterday', 'invalid_from'],
        ['from=2025-13-01', 'invalid_from'],
        ['from=2025-08-16T12:00:00', 'invalid_from'], // no zone: whose noon?
        [`from=${'2'.repeat(50)}`, 'invalid_from'],
        ['to=1700000000000', 'invalid_to'],
        ['from=2025-08-17&to=2025-08-16', 'invalid_period'],
        ['game_type=poker', 'invalid_game_type'],
      ] as const;
      for (const [query, code] of cases) {
        const response = await suite.client.get(`/api/admin/stats?${query}`, adminToken);
        expect({ query, status: response.status, code: response.json?.error?.code }).toEqual({ query, status: 400, code });
      }
      const player = await suite.client.signup();
      expect((await suite.client.get('/api/admin/stats')).status).toBe(401);
      const asPlayer = await suite.client.get('/api/admin/stats', player.access_token);
      expect([asPlayer.status, asPlayer.json.error.code]).toEqual([403, 'forbidden']);
    });
  });
});
