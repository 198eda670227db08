import { Database } from 'bun:sqlite';
import { describe, expect, it } from 'bun:test';
import { GAME_NAMES } from '../support/client';
import { useServer } from '../support/suite';

const suite = useServer();

/** Plays `count` games for a new user, cycling through every game; returns the token and event ids. */
async function playerWithPlays(count: number) {
  const player = await suite.client.signup('history');
  const eventIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await suite.client.play(player.access_token, GAME_NAMES[i % GAME_NAMES.length]!);
    expect(response.status).toBe(200);
    eventIds.push(response.json.event_id);
  }
  return { player, eventIds };
}

/** Follows next_before from the first page to the last; returns every page. */
async function walk(path: (before: string | number | null) => string, token: string) {
  const pages: { events: any[]; next_before: string | number | null }[] = [];
  let before: string | number | null = null;
  do {
    const response = await suite.client.get(path(before), token);
    expect(response.status).toBe(200);
    pages.push(response.json);
    before = response.json.next_before;
  } while (before !== null && pages.length < 100);
  return pages;
}

/** Each query gets 400 with its error code and a message. */
async function expectRefused(path: string, token: string, cases: readonly (readonly [query: string, code: string])[]) {
  for (const [query, code] of cases) {
    const response = await suite.client.get(`${path}?${query}`, token);
    expect({ query, status: response.status, code: response.json?.error?.code }).toEqual({ query, status: 400, code });
    expect(typeof response.json.error.message).toBe('string');
  }
}

describe('GET /api/games/history', () => {
  it('walks every own event once, newest first, in pages of limit', async () => {
    const { player, eventIds } = await playerWithPlays(7);
    await suite.client.play((await suite.client.signup('other')).access_token, 'slot');
    const pages = await walk((before) => `/api/games/history?limit=3${before === null ? '' : `&before=${before}`}`, player.access_token);
    expect(pages.map((page) => page.events.length)).toEqual([3, 3, 1]);
    const seen = pages.flatMap((page) => page.events.map((event) => event.event_id));
    expect(seen).toEqual([...eventIds].reverse());
    expect(pages.at(-1)!.next_before).toBeNull();
  });

  it('sends the stored game_event exactly as published', async () => {
    const { player } = await playerWithPlays(1);
    const response = await suite.client.get('/api/games/history', player.access_token);
    const db = new Database(`${suite.server.dir}/games.sqlite`, { readonly: true });
    const [row] = db.query('SELECT payload FROM events WHERE user_id = ?').all(player.user.id) as { payload: string }[];
    db.close();
    expect(response.text).toBe(`{"events":[${row!.payload}],"next_before":null}`);
  });

  it('defaults to 50 events a page', async () => {
    const { player } = await playerWithPlays(51);
    const first = await suite.client.get('/api/games/history', player.access_token);
    expect(first.json.events).toHaveLength(50);
    expect(first.json.next_before).toBe(first.json.events[49].event_id);
  });

  it('refuses a malformed or foreign before, and a bad limit, with the error shape', async () => {
    const { player } = await playerWithPlays(1);
    const other = await playerWithPlays(1);
    await expectRefused('/api/games/history', player.access_token, [
      ['before=abc', 'invalid_before'],
      [`before=${other.eventIds[0]}`, 'invalid_before'],
      ['limit=0', 'invalid_limit'],
      ['limit=101', 'invalid_limit'],
      ['limit=ten', 'invalid_limit'],
    ]);
  });

  it('needs a token', async () => {
    const response = await suite.client.get('/api/games/history');
    expect(response.status).toBe(401);
    expect(response.json.error.code).toBe('unauthorized');
  });
});

describe('GET /api/admin/events', () => {
  it('walks every event of every user once, newest first', async () => {
    await playerWithPlays(5);
    const admin = await suite.client.loginAdmin();
    const pages = await walk((before) => `/api/admin/events?limit=4${before === null ? '' : `&before=${before}`}`, admin.access_token);
    const seen = pages.flatMap((page) => page.events.map((event) => event.event_id));
    const db = new Database(`${suite.server.dir}/games.sqlite`, { readonly: true });
    const stored = (db.query('SELECT payload FROM events ORDER BY id DESC').all() as { payload: string }[]).map((row) => JSON.parse(row.payload).event_id);
    db.close();
    expect(seen).toEqual(stored);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by user_id and game_type', async () => {
    const { player, eventIds } = await playerWithPlays(8);
    const admin = await suite.client.loginAdmin();
    const mine = await suite.client.get(`/api/admin/events?user_id=${player.user.id}`, admin.access_token);
    expect(mine.json.events.map((event: any) => event.event_id)).toEqual([...eventIds].reverse());
    const crashes = await suite.client.get(`/api/admin/events?user_id=${player.user.id}&game_type=crash`, admin.access_token);
    expect(crashes.json.events).toHaveLength(2);
    expect(crashes.json.events.every((event: any) => event.game_type === 'crash' && event.user_id === player.user.id)).toBe(true);
  });

  it('is for admins only: 403 for a user, 401 without a token', async () => {
    const player = await suite.client.signup();
    const response = await suite.client.get('/api/admin/events', player.access_token);
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('forbidden');
    const anonymous = await suite.client.get('/api/admin/events');
    expect([anonymous.status, anonymous.json.error.code]).toEqual([401, 'unauthorized']);
  });

  it('refuses bad parameters with the error shape', async () => {
    const admin = await suite.client.loginAdmin();
    await expectRefused('/api/admin/events', admin.access_token, [
      ['before=1-2', 'invalid_before'],
      ['before=0', 'invalid_before'],
      ['user_id=x', 'invalid_user_id'],
      ['game_type=poker', 'invalid_game_type'],
      ['limit=1000', 'invalid_limit'],
    ]);
  });
});
