/**
 * Each user's events reach every one of the user's sockets, and every monitor, in event_id
 * order, whatever mix of keyed and unkeyed concurrent requests produced them; a socket that
 * resumes from the newest id it received loses none.
 */
import { describe, expect, it } from 'bun:test';
import { GAME_NAMES } from '../support/client';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { allIds, eventIds, waitUntil } from '../support/streams';
import { useServer } from '../support/suite';

const suite = useServer({ INITIAL_BALANCE: '100000' });

const PLAYS_PER_USER = 60;

/** Plays `count` plays at once for `token`: every other one with an Idempotency-Key, games mixed. */
function mixedBurst(token: string, count: number, tag: string) {
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const headers = i % 2 === 0 ? { 'idempotency-key': `${tag}-${i}` } : undefined;
      return suite.client.play(token, GAME_NAMES[i % GAME_NAMES.length]!, { bet: 0.01 }, headers);
    }),
  );
}

const idsOf = (socket: TestSocket, userId: number) => eventIds(socket).filter((id) => id.startsWith(`${userId}-`));

describe('per-user order', () => {
  it('delivers mixed keyed and unkeyed concurrent plays of several users in event_id order on every socket and monitor', async () => {
    const users = await Promise.all([1, 2, 3].map(() => suite.client.signup('order')));
    const admin = await suite.client.loginAdmin();
    const monitor = suite.sockets.track((await openMonitor(suite.server.url, admin.access_token)).socket);
    const sockets = await Promise.all(users.flatMap((user) => [0, 1].map(async () => ({ user, socket: suite.sockets.track(await openUserSocket(suite.server.url, user.access_token)) }))));

    const answers = (await Promise.all(users.map((user, u) => mixedBurst(user.access_token, PLAYS_PER_USER, `k${u}`)))).flat();
    expect(answers.every((answer) => answer.status === 200)).toBe(true);

    for (const { user, socket } of sockets) {
      await waitUntil(() => eventIds(socket).length === PLAYS_PER_USER, 'every event on every socket');
      expect(eventIds(socket)).toEqual(allIds(user.user.id, PLAYS_PER_USER));
    }
    await waitUntil(() => eventIds(monitor).length === users.length * PLAYS_PER_USER, 'every event on the monitor');
    for (const user of users) expect(idsOf(monitor, user.user.id)).toEqual(allIds(user.user.id, PLAYS_PER_USER));
  });

  it('loses nothing when a socket resumes from the newest id it received while mixed plays land', async () => {
    const user = await suite.client.signup('resumer');
    const userId = user.user.id;
    const received: string[] = [];
    let socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
    let total = 0;
    for (let round = 0; round < 5; round++) {
      // Plays in flight while the socket goes away and comes back with since=<newest received>.
      const burst = mixedBurst(user.access_token, 20, `r${round}`);
      await Bun.sleep(1);
      socket.close();
      received.push(...eventIds(socket));
      total += 20;
      await burst;
      // Before any event was received, "<user>-0" asks for everything.
      const newest = received.at(-1) ?? `${userId}-0`;
      socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token, { since: newest }));
    }
    await waitUntil(() => received.length + eventIds(socket).length >= total, 'the last events after the final resume');
    received.push(...eventIds(socket));
    expect(received).toEqual(allIds(userId, total));
  });
});
