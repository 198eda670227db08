/**
 * Idempotency-Key (API.md, REST): the same key from the same user returns the first response
 * again, charges once and emits one event, whether the repeats come one after another or all
 * at once.
 */
import { describe, expect, it } from 'bun:test';
import { IDEMPOTENCY_RETENTION_MS } from '../../src/wallet/ledger';
import { api } from '../support/client';
import { describeEngines, startTestServer } from '../support/server';
import { openUserSocket } from '../support/socket';
import { eventIds, probe } from '../support/streams';
import { useServer } from '../support/suite';

describeEngines('%s', (engine) => {
  const suite = useServer({}, { engine });
  const { sockets } = suite;

  const keyed = (key: string) => ({ 'idempotency-key': key });

  /** A new player with a socket, and what a set of responses did to their balance and stream. */
  async function player() {
    const user = await suite.client.signup();
    const socket = sockets.track(await openUserSocket(suite.server.url, user.access_token));
    return {
      user,
      socket,
      /** After a probe play: the events the socket got before the probe, and the balance before it. */
      async settled() {
        const play = await probe(suite.client, user.access_token, socket);
        const balance = await suite.client.balance(user.access_token);
        const events = eventIds(socket).filter((id) => id !== play.json.event_id);
        const updates = socket.all('balance_update').filter((m) => m.event_id !== play.json.event_id);
        return { events, updates, balance: Math.round((balance + 0.01 - play.json.result.payout) * 100) / 100 };
      },
    };
  }

  describe('Idempotency-Key', () => {
    it('answers a repeated key with the first response, charging once and emitting one event', async () => {
      const { user, settled } = await player();
      const first = await suite.client.play(user.access_token, 'slot', { bet: 7 }, keyed('spin-1'));
      const again = await suite.client.play(user.access_token, 'slot', { bet: 7 }, keyed('spin-1'));
      expect(first.status).toBe(200);
      expect(again.status).toBe(first.status);
      expect(again.text).toBe(first.text);

      const after = await settled();
      expect(after.events).toEqual([first.json.event_id]);
      expect(after.updates.map((m) => m.event_id)).toEqual([first.json.event_id]);
      expect(after.balance).toBeCloseTo(1000 - 7 + first.json.result.payout, 2);
      expect(after.balance).toBeCloseTo(first.json.balance, 2);
    });

    it('answers ten concurrent requests with one key with one play and ten identical responses', async () => {
      const { user, settled } = await player();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => suite.client.play(user.access_token, 'crash', { bet: 5, cashout: 1.5 }, keyed('crash-burst'))),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
      const [first] = responses;

      const after = await settled();
      expect(after.events).toEqual([first!.json.event_id]);
      expect(after.balance).toBeCloseTo(1000 - 5 + first!.json.result.payout, 2);
      expect(await suite.server.app.history.since(user.user.id, 0, 100)).toHaveLength(2); // the play and the probe
    });

    it('plays again for a new key, and keeps each key to its own response', async () => {
      const { user, settled } = await player();
      const a = await suite.client.play(user.access_token, 'gacha', { bet: 2 }, keyed('a'));
      const b = await suite.client.play(user.access_token, 'gacha', { bet: 2 }, keyed('b'));
      const aAgain = await suite.client.play(user.access_token, 'gacha', { bet: 2 }, keyed('a'));
      expect(b.json.event_id).not.toBe(a.json.event_id);
      expect(aAgain.text).toBe(a.text);
      expect((await settled()).events).toEqual([a.json.event_id, b.json.event_id]);
    });

    it('refuses the same key with a different body: 422 idempotency_key_reused, nothing charged', async () => {
      const { user, settled } = await player();
      const first = await suite.client.play(user.access_token, 'rps', { bet: 3, choice: 'rock' }, keyed('k'));
      const otherChoice = await suite.client.play(user.access_token, 'rps', { bet: 3, choice: 'paper' }, keyed('k'));
      const otherGame = await suite.client.play(user.access_token, 'slot', { bet: 3 }, keyed('k'));
      for (const refused of [otherChoice, otherGame]) {
        expect(refused.status).toBe(422);
        expect(refused.json.error.code).toBe('idempotency_key_reused');
      }
      const after = await settled();
      expect(after.events).toEqual([first.json.event_id]);
      expect(after.balance).toBeCloseTo(first.json.balance, 2);
    });

    it('never answers a request with the refusal of a concurrent one that shares its key', async () => {
      for (let trial = 0; trial < 10; trial++) {
        const { user, settled } = await player();
        // Over the balance (1000) and a small one, at once, under one key.
        const [big, small] = await Promise.all([
          suite.client.play(user.access_token, 'slot', { bet: 5000 }, keyed(`t${trial}`)),
          suite.client.play(user.access_token, 'slot', { bet: 1 }, keyed(`t${trial}`)),
        ]);
        const answers = [big, small].map((answer) => `${answer.status} ${answer.json.error?.code ?? 'played'}`).sort();
        // Whichever ran first, the other is told about the key (or is replayed): never 402.
        expect(small.status).not.toBe(402);
        expect(answers).toSatisfy((pair: string[]) => pair.includes('402 insufficient_funds') || pair.includes('200 played'));
        const after = await settled();
        expect(after.events.length).toBe(small.status === 200 ? 1 : 0);
      }
    });

    it('keeps keys apart between users', async () => {
      const alice = await player();
      const bob = await player();
      const a = await suite.client.play(alice.user.access_token, 'slot', { bet: 1 }, keyed('shared'));
      const b = await suite.client.play(bob.user.access_token, 'slot', { bet: 1 }, keyed('shared'));
      expect(a.json.event_id).toBe(`${alice.user.user.id}-1`);
      expect(b.json.event_id).toBe(`${bob.user.user.id}-1`);
    });

    it('keeps a key for 24 hours and forgets it after', async () => {
      const { user } = await player();
      const first = await suite.client.play(user.access_token, 'slot', { bet: 1 }, keyed('day'));
      const now = Date.now();
      await suite.server.app.ledger.purgeExpiredKeys(now + IDEMPOTENCY_RETENTION_MS - 60_000);
      expect((await suite.client.play(user.access_token, 'slot', { bet: 1 }, keyed('day'))).text).toBe(first.text);
      expect(IDEMPOTENCY_RETENTION_MS).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);

      await suite.server.app.ledger.purgeExpiredKeys(now + IDEMPOTENCY_RETENTION_MS + 60_000);
      const later = await suite.client.play(user.access_token, 'slot', { bet: 1 }, keyed('day'));
      expect(later.status).toBe(200);
      expect(later.json.event_id).toBe(`${user.user.id}-2`);
    });
  });

  describe('Idempotency-Key across a restart', () => {
    it('answers a key stored before the restart with the same response', async () => {
      let server = await startTestServer({}, { engine });
      try {
        const before = api(server.url);
        const user = await before.signup();
        const first = await before.play(user.access_token, 'gacha', { bet: 4 }, keyed('survives'));

        server = await server.restart();
        const after = api(server.url);
        const again = await after.play(user.access_token, 'gacha', { bet: 4 }, keyed('survives'));
        expect(again.status).toBe(200);
        expect(again.text).toBe(first.text);
        expect(await after.balance(user.access_token)).toBeCloseTo(first.json.balance, 2);
      } finally {
        await server.close();
      }
    });
  });
});
