/**
 * No overdraw: however many plays of one user run at once, each is charged only against the
 * balance it finds, the balance never goes below zero, and the ledger adds up:
 * balance = initial − Σ bets + Σ payouts, play by play.
 */
import { describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import type { Rng } from '../../src/games/rng';
import { api, ledgerOf, type Api, type GameName } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { describeEngines, startTestServer, type TestServer } from '../support/server';
import { openUserSocket } from '../support/socket';
import { useServer } from '../support/suite';

const INITIAL_CENTS = 1000 * 100;

type EventRow = { seq: number; bet: number; payout: number };

async function eventRows(target: TestServer, userId: number): Promise<EventRow[]> {
  const rows = await target.store.sql()`SELECT seq, bet, payout FROM events WHERE user_id = ${userId} ORDER BY seq`;
  return rows.map((row: Record<string, unknown>) => ({ seq: Number(row.seq), bet: Number(row.bet), payout: Number(row.payout) }));
}

type Play = { game: GameName; bet: number; body?: Record<string, unknown> };

/**
 * Fires every play of `token`'s user at once, then checks: each answer is 200 or 402
 * insufficient_funds; replayed in commit order, every play found at least its bet and left
 * the balance each 200 reported, never below zero; the database's balance is
 * initial − Σ bets + Σ payouts; /me agrees; the user's socket got one game_event per 200.
 */
async function playAllAtOnce(target: TestServer, targetClient: Api, user: { access_token: string; user: { id: number } }, plays: Play[]): Promise<number> {
  const socket = await openUserSocket(target.url, user.access_token);
  try {
    const answers = await Promise.all(plays.map((play) => targetClient.play(user.access_token, play.game, { ...play.body, bet: play.bet })));
    for (const answer of answers) {
      expect([200, 402]).toContain(answer.status);
      if (answer.status === 402) expect(answer.json.error.code).toBe('insufficient_funds');
    }
    const accepted = answers.filter((answer) => answer.status === 200);

    const rows = await eventRows(target, user.user.id);
    expect(rows.length).toBe(accepted.length);
    const reported = new Map(accepted.map((answer) => [Number(String(answer.json.event_id).split('-')[1]), Math.round(answer.json.balance * 100)]));
    let balance = INITIAL_CENTS;
    for (const row of rows) {
      expect(balance).toBeGreaterThanOrEqual(row.bet);
      balance += row.payout - row.bet;
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(reported.get(row.seq)).toBe(balance);
    }
    const ledger = await ledgerOf(target, user.user.id);
    expect(ledger.balance).toBe(INITIAL_CENTS - ledger.bets + ledger.payouts);
    expect(ledger.balance).toBe(balance);
    // And every account of the server adds up, its event sequence without gaps.
    expect((await auditLedger(target.store.sql(), INITIAL_CENTS)).problems).toEqual([]);
    expect(Math.round((await targetClient.balance(user.access_token)) * 100)).toBe(balance);

    await socket.settle();
    expect(socket.all('game_event').length).toBe(accepted.length);
    expect(socket.schemaViolations).toEqual([]);
    return accepted.length;
  } finally {
    socket.close();
  }
}

describeEngines('concurrent plays of one user on %s', (engine) => {
  const shared = useServer({}, { engine });

  it('never overdraws under dozens of parallel full-balance bets, and the ledger adds up', async () => {
    const { server, client } = shared;
    const user = await client.signup();
    const games: Play[] = [
      { game: 'crash', bet: 1000, body: { cashout: 1.01 } },
      { game: 'slot', bet: 1000 },
      { game: 'rps', bet: 1000 },
      { game: 'gacha', bet: 1000 },
    ];
    const accepted = await playAllAtOnce(server, client, user, Array.from({ length: 48 }, (_, i) => games[i % games.length]!));
    expect(accepted).toBeGreaterThanOrEqual(1);
  });

  it('lets exactly one of 40 full-balance bets through when every play loses', async () => {
    // crash at 0.99 before any cashout; the house always throws rock.
    const alwaysLoses: Rng = { int: () => 0, float: () => 0 };
    const losing = await startTestServer({}, { rng: alwaysLoses, engine });
    try {
      const losingClient = api(losing.url);
      const user = await losingClient.signup();
      const plays: Play[] = Array.from({ length: 40 }, (_, i) =>
        i % 2 ? { game: 'crash', bet: 1000, body: { cashout: 2 } } : { game: 'rps', bet: 1000, body: { choice: 'scissors' } },
      );
      expect(await playAllAtOnce(losing, losingClient, user, plays)).toBe(1);
      expect(await ledgerOf(losing, user.user.id)).toEqual({ balance: 0, plays: 1, bets: INITIAL_CENTS, payouts: 0 });
    } finally {
      await losing.close();
    }
  });

  it('keeps to the balance for any mix of bets fired at once (property-based)', async () => {
    const play = fc.record({
      game: fc.constantFrom<GameName>('slot', 'rps', 'gacha', 'crash'),
      bet: fc.oneof(fc.integer({ min: 1, max: 100_000 }).map((cents) => cents / 100), fc.constant(1000)),
    });
    const { server, client } = shared;
    await fc.assert(
      fc.asyncProperty(fc.array(play, { minLength: 1, maxLength: 30 }), async (plays) => {
        await playAllAtOnce(server, client, await client.signup(), plays);
      }),
      { numRuns: 15 },
    );
  });
});
