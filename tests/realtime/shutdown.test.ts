/**
 * Graceful shutdown (API.md close code 1001): on SIGTERM or SIGINT the real process stops accepting,
 * lets the plays under way finish, closes every socket with 1001, closes the database and
 * exits 0. No play is half-done: the plays answered 200 are exactly the plays in the
 * database, and the ledger identity holds for every user.
 *
 * To have a play surely under way when the signal lands, one request holds its body back until
 * the server has begun shutting down.
 */
import { describe, expect, it } from 'bun:test';
import { connect, type Socket } from 'node:net';
import { api, type Api } from '../support/client';
import { auditLedger } from '../support/ledger-audit';
import { spawnServer } from '../support/process';
import { ADMIN, describeEngines, startTestServer, testStore } from '../support/server';
import { openMonitor, openUserSocket, type TestSocket } from '../support/socket';
import { waitUntil } from '../support/streams';
import { slot } from '../../src/games/slot';

/** Resolves once a TCP connection to `url` is accepted (true) or refused (false). */
function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * A slot play under way: its headers are sent with `Expect: 100-continue`, and it resolves once
 * the server has taken the request in (answered 100 Continue); the body waits for `finish()`.
 */
async function startSlowPlay(url: string, token: string) {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  socket.on('data', (chunk) => (response += chunk.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const body = JSON.stringify({ bet: 3 });
  socket.write(
    `POST /api/games/slot/spin HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  await waitUntil(() => response.startsWith('HTTP/1.1 100'), 'the server to take the request in');
  return {
    /** Sends the body; resolves with the status and JSON body of the final answer. */
    async finish(): Promise<{ status: number; json: any }> {
      socket.write(body);
      await ended;
      const final = response.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, '');
      const [head, text] = final.split('\r\n\r\n');
      return { status: Number(head?.split(' ')[1]), json: text ? JSON.parse(text) : undefined };
    },
  };
}

type Outcomes = { ok: string[]; refused: string[] };

/** Plays in a loop until the connection fails, sorting the answers. */
async function playUntilGone(client: Api, token: string, outcomes: Outcomes): Promise<void> {
  for (;;) {
    try {
      const play = await client.play(token, 'slot', { bet: 1 });
      if (play.status === 200) outcomes.ok.push(play.json.event_id);
      else outcomes.refused.push(`${play.status} ${play.json?.error?.code}`);
    } catch {
      return; // the server stopped taking this connection
    }
  }
}

describeEngines('graceful shutdown on %s', (engine) => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} finishes the plays under way, closes sockets with 1001 and exits 0`, async () => {
      const store = await testStore(engine);
      const server = await spawnServer({
        DATABASE_URL: store.url,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        PLAY_RATE_PER_SECOND: '100000',
        PLAY_BURST: '100000',
      });
      const sockets: TestSocket[] = [];
      try {
        const client = api(server.url);
        const users = await Promise.all([client.signup(), client.signup(), client.signup()]);
        for (const user of users) sockets.push(await openUserSocket(server.url, user.access_token));
        sockets.push((await openMonitor(server.url, (await client.loginAdmin()).access_token)).socket);

        const outcomes: Outcomes = { ok: [], refused: [] };
        const lanes = users.flatMap((user) => [1, 2].map(() => playUntilGone(client, user.access_token, outcomes)));
        await waitUntil(() => outcomes.ok.length >= 30, 'plays to land');
        const slow = await startSlowPlay(server.url, users[0]!.access_token);

        server.proc.kill(signal);
        const closes = await Promise.all(sockets.map((socket) => socket.closed));
        expect(closes.map((close) => close.code)).toEqual(sockets.map(() => 1001));
        // Shutting down, and no longer accepting: but the play under way still finishes.
        expect(await acceptsConnections(server.url)).toBe(false);
        const slowAnswer = await slow.finish();
        expect(slowAnswer.status).toBe(200);

        expect(await server.proc.exited).toBe(0);
        await Promise.all(lanes);
        expect(outcomes.refused).toEqual([]);

        const audit = await auditLedger(store.sql(), 1000 * 100);
        expect(audit.problems).toEqual([]);
        expect([...audit.eventIds].sort()).toEqual([...outcomes.ok, slowAnswer.json.event_id].sort());
        expect(server.output()).toContain(`"msg":"shutting down","signal":"${signal}"`);
      } finally {
        for (const socket of sockets) socket.close();
        server.proc.kill();
        await store.remove();
      }
    }, 30_000);
  }
});

describeEngines('stopping with plays still queued for the ledger on %s', (engine) => {
  it('finishes every play handed to the ledger before closing the database, even with no grace period', async () => {
    const server = await startTestServer({ SHUTDOWN_GRACE_MS: '0' }, { engine });
    const player = await api(server.url).signup();
    // More plays than one batch holds, handed over at once: most are still queued at stop().
    const plays = Array.from({ length: 600 }, () =>
      server.app.ledger.play({ userId: player.user.id, game: slot, input: { bet: 0.01 }, betMinor: 1 }),
    );
    await server.stop();
    const outcomes = await Promise.allSettled(plays);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);

    const audit = await auditLedger(server.store.sql(), 100_000);
    expect(audit.problems).toEqual([]);
    expect(audit.events).toBe(600);
    await server.close();
  });
});
