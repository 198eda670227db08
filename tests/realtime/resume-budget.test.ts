/**
 * The resume budget (RESUME_BUDGET_EVENTS per RESUME_BUDGET_INTERVAL_SECONDS, per user): a
 * resume costs one plus the events it replays; one past the budget is closed 4005 with nothing
 * replayed, and once the interval has passed (the injected clock moved) resumes work again.
 */
import { describe, expect, it } from 'bun:test';
import { ManualClock } from '../support/clock';
import { openSocket, openUserSocket, type TestSocket } from '../support/socket';
import { allIds, eventIds } from '../support/streams';
import { useServer, type Suite } from '../support/suite';

/** Plays `count` slots for the user, a few at a time. */
async function playMany(suite: Suite, token: string, count: number): Promise<void> {
  const lanes = 8;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < count; i += lanes) expect((await suite.client.play(token, 'slot', { bet: 0.01 })).status).toBe(200);
    }),
  );
}

/** Opens a resuming socket and waits for it to go live (its balance arrives after the replay) or to close. */
async function resumeOutcome(suite: Suite, token: string, since: string): Promise<{ socket: TestSocket; close?: { code: number; reason: string } }> {
  const socket = suite.sockets.track(openSocket(suite.server.url, '/api/games/ws', { token, query: { since } }));
  const live = socket.next('balance_update', 10_000).then(() => undefined);
  const outcome = await Promise.race([live, socket.closed]);
  return { socket, close: outcome };
}

describe('the resume budget', () => {
  const clock = new ManualClock();
  const MAX = 50;
  const suite = useServer({ INITIAL_BALANCE: '100000', RESUME_MAX_EVENTS: String(MAX), RESUME_BUDGET_EVENTS: '120', RESUME_BUDGET_INTERVAL_SECONDS: '10' }, { clock });

  it('closes the resume past the budget 4005 with nothing replayed, and lets resumes through again after the interval', async () => {
    const user = await suite.client.signup();
    await playMany(suite, user.access_token, 60);
    const since = `${user.user.id}-10`;
    const expected = allIds(user.user.id, 60).slice(10);

    // Each costs 1 + 50: 120 → 69 → 18.
    for (let i = 0; i < 2; i++) {
      const { socket, close } = await resumeOutcome(suite, user.access_token, since);
      expect(close).toBeUndefined();
      expect(eventIds(socket)).toEqual(expected);
    }
    const refused = await resumeOutcome(suite, user.access_token, since);
    expect(refused.close).toEqual({ code: 4005, reason: 'resume budget exceeded: back off, then reconnect with since' });
    expect(refused.socket.received.map((m) => m.type)).toEqual(['ws_ack']);
    // Its budget is its own: another user resumes meanwhile.
    const other = await suite.client.signup();
    await playMany(suite, other.access_token, 3);
    expect((await resumeOutcome(suite, other.access_token, `${other.user.id}-1`)).close).toBeUndefined();
    // A fresh socket is no resume: it still connects.
    suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));

    clock.advance(10_000);
    const again = await resumeOutcome(suite, user.access_token, since);
    expect(again.close).toBeUndefined();
    expect(eventIds(again.socket)).toEqual(expected);
    expect(again.socket.schemaViolations).toEqual([]);
    const metrics = await (await fetch(`${suite.server.url}/metrics`)).text();
    expect(metrics).toContain('games_server_closes_total{reason="resume_budget"} 1');
  });
});

describe('the resume budget at its defaults (5,000 events per 10 s, RESUME_MAX_EVENTS 1,000)', () => {
  const clock = new ManualClock();
  const suite = useServer({ INITIAL_BALANCE: '100000' }, { clock });

  it('lets sixteen sockets resuming since=<id>-1 over 1,000 events replay at most 5,000 between them; the others get 4005 and nothing', async () => {
    const user = await suite.client.signup();
    await playMany(suite, user.access_token, 1000);
    const outcomes = await Promise.all(Array.from({ length: 16 }, () => resumeOutcome(suite, user.access_token, `${user.user.id}-1`)));
    const replayed = outcomes.filter((outcome) => outcome.close === undefined);
    const refused = outcomes.filter((outcome) => outcome.close !== undefined);
    // Each costs 1,000 (one for the read, 999 events): four or five fit, as the reads interleave.
    expect(replayed.length).toBeGreaterThanOrEqual(4);
    expect(replayed.length).toBeLessThanOrEqual(5);
    for (const { socket } of replayed) expect(eventIds(socket)).toEqual(allIds(user.user.id, 1000).slice(1));
    for (const { socket, close } of refused) {
      expect(close!.code).toBe(4005);
      expect(socket.all('game_event')).toEqual([]);
    }

    clock.advance(10_000);
    expect((await resumeOutcome(suite, user.access_token, `${user.user.id}-1`)).close).toBeUndefined();
  }, 30_000);
});
