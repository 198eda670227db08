/**
 * One log format: every line the server prints is a JSON object, start-up warnings included;
 * one `info` line per request (request id, method, route pattern, status, duration) and per
 * socket open and close (kind, user id, close code); never a token; shutdown logged once.
 */
import { describe, expect, it } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { api } from '../support/client';
import { capturePrinted } from '../support/printed';
import { spawnServer } from '../support/process';
import { startTestServer, tempDir } from '../support/server';
import { openUserSocket } from '../support/socket';

type Line = Record<string, unknown> & { level: string; msg: string };

/** Every printed line as JSON: a line that is not a JSON object fails the test. */
function jsonLines(printed: string): Line[] {
  return printed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as Line;
      expect(typeof parsed).toBe('object');
      expect(typeof parsed.level).toBe('string');
      expect(typeof parsed.time).toBe('string');
      return parsed;
    });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a server logging at info', () => {
  it('prints one JSON line per request and per socket open and close, with no token in any', async () => {
    const secrets: string[] = [];
    const answers: { id: string | null; sent: string | undefined }[] = [];
    let userId = 0;
    const printed = await capturePrinted(async () => {
      const server = await startTestServer({ LOG_LEVEL: 'info', WS_MESSAGE_RATE_PER_SECOND: '1', WS_MESSAGE_BURST: '1' });
      try {
        const client = api(server.url);
        const player = await client.signup();
        userId = player.user.id;
        secrets.push(player.access_token, player.refresh_token, player.password);
        for (const sent of ['trace-42.a:b', 'has space', 'x'.repeat(65), undefined]) {
          const headers: Record<string, string> = sent === undefined ? {} : { 'x-request-id': sent };
          const answer = await client.play(player.access_token, 'slot', {}, headers);
          expect(answer.status).toBe(200);
          answers.push({ id: answer.headers.get('x-request-id'), sent });
        }
        const socket = await openUserSocket(server.url, player.access_token, { token: player.access_token });
        socket.send({ type: 'ping' });
        socket.send({ type: 'ping' });
        expect((await socket.closed).code).toBe(1008);
        await Bun.sleep(20);
      } finally {
        await server.close();
      }
    });

    // A sane id is kept; anything else is replaced by a generated one. Either is echoed.
    expect(answers[0]!.id).toBe('trace-42.a:b');
    for (const { id } of answers.slice(1)) expect(id).toMatch(UUID);
    expect(new Set(answers.map((a) => a.id)).size).toBe(answers.length);

    const lines = jsonLines(printed);
    const plays = lines.filter((line) => line.msg === 'request' && line.route === '/api/games/slot/spin');
    expect(plays.map((line) => line.request_id)).toEqual(answers.map((a) => a.id));
    for (const line of plays) {
      expect(line).toMatchObject({ level: 'info', method: 'POST', status: 200 });
      expect(typeof line.duration_ms).toBe('number');
    }
    expect(lines.filter((line) => line.msg === 'request' && line.route === '/api/games/ws')).toMatchObject([{ status: 101 }]);
    expect(lines.filter((line) => line.msg.startsWith('socket '))).toMatchObject([
      { level: 'info', msg: 'socket open', kind: 'user', user_id: userId },
      { level: 'info', msg: 'socket close', kind: 'user', user_id: userId, code: 1008 },
    ]);
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});

describe('the request id', () => {
  it('is echoed on refusals too: unknown path, wrong method, no token, body too large', async () => {
    const server = await startTestServer({ MAX_BODY_BYTES: '1024' });
    try {
      const client = api(server.url);
      const refusals = [
        { method: 'GET', path: '/api/nowhere', status: 404 },
        { method: 'DELETE', path: '/health', status: 405 },
        { method: 'GET', path: '/api/auth/me', status: 401 },
        { method: 'POST', path: '/api/auth/signup', body: { username: 'x'.repeat(2000), password: 'correct-horse-battery' }, status: 413 },
      ];
      for (const [i, { method, path, body, status }] of refusals.entries()) {
        const answer = await client.request(method, path, { body, headers: { 'x-request-id': `refused-${i}` } });
        expect({ path, status: answer.status, id: answer.headers.get('x-request-id') }).toEqual({ path, status, id: `refused-${i}` });
      }
    } finally {
      await server.close();
    }
  });
});

describe('the server process', () => {
  it('prints only JSON lines, its start-up warning included, and logs one shutdown for two signals', async () => {
    const dir = tempDir();
    // No JWT_SECRET: the server generates one and warns about it.
    const server = await spawnServer({ JWT_SECRET: '', DATABASE_URL: `sqlite://${join(dir, 'games.sqlite')}` });
    try {
      server.proc.kill('SIGTERM');
      server.proc.kill('SIGINT');
      expect(await server.proc.exited).toBe(0);
      const lines = jsonLines(server.output());
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([expect.stringContaining('JWT_SECRET is not set')]);
      expect(lines.filter((line) => line.msg.startsWith('listening on http://'))).toHaveLength(1);
      // Both signals are pending at once, and Linux delivers the lower-numbered first (SIGINT 2
      // before SIGTERM 15) as often as not: which one the line names is a race, that there is
      // one line is not.
      const shutdowns = lines.filter((line) => line.msg === 'shutting down');
      expect(shutdowns).toHaveLength(1);
      expect(['SIGTERM', 'SIGINT']).toContain(shutdowns[0]!.signal as string);
      expect(lines.filter((line) => line.msg === 'stopped')).toHaveLength(1);
    } finally {
      server.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
