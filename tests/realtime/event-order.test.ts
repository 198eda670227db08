/**
 * One user's game_events reach the user's socket in sequence order, on both engines, while
 * several plays of that user are in flight at every moment: a socket never sees seq n after
 * n + 1 (a resuming socket drops such a late event as a repeat, so order is also no-loss).
 */
import { expect, it } from 'bun:test';
import { openUserSocket } from '../support/socket';
import { describeEngines } from '../support/server';
import { playLoop } from '../support/streams';
import { useServer } from '../support/suite';

describeEngines('event order on %s', (engine) => {
  const suite = useServer({ INITIAL_BALANCE: '100000' }, { engine });

  it("delivers one user's events in sequence order under concurrent plays", async () => {
    for (let round = 0; round < 4; round++) {
      const user = await suite.client.signup();
      const socket = suite.sockets.track(await openUserSocket(suite.server.url, user.access_token));
      const plays = playLoop(suite.client, user.access_token, { concurrency: 4 });
      const landed = plays.ids.length;
      while (plays.ids.length < landed + 60) await Bun.sleep(5);
      const ids = await plays.stop();
      const delivered = await socket.waitFor('game_event', ids.length);
      const seqs = delivered.map((event) => Number(String(event.event_id).split('-')[1]));
      expect(seqs).toEqual(seqs.toSorted((a, b) => a - b));
      expect(seqs).toHaveLength(ids.length);
    }
  }, 30_000);
});
