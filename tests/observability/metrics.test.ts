/**
 * /metrics over a real server: after real plays its counters equal what the ledger holds, the
 * socket gauge follows sockets opened and closed, and the latency histogram is labelled by
 * route pattern.
 */
import { Database } from 'bun:sqlite';
import { describe, expect, it } from 'bun:test';
import { join } from 'node:path';
import packageJson from '../../package.json';
import { escapeLabel } from '../../src/metrics';
import type { Broker } from '../../src/realtime/broker/broker';
import { api, GAME_NAMES, type GameName } from '../support/client';
import { parsePrometheus, scrape, type Scrape } from '../support/prometheus';
import { startTestServer, type TestEnv, type TestServer } from '../support/server';
import { openMonitor, openUserSocket } from '../support/socket';

type PerGame = { plays: number; bets: number; payouts: number };

/** Per game, from the events table of the server's SQLite file: plays, and bets and payouts in cents. */
function ledgerByGame(server: TestServer): Map<string, PerGame> {
  const db = new Database(join(server.dir, 'games.sqlite'), { readonly: true });
  try {
    const rows = db.query('SELECT game_type, COUNT(*) AS plays, SUM(bet) AS bets, SUM(payout) AS payouts FROM events GROUP BY game_type').all() as ({ game_type: string } & PerGame)[];
    return new Map(rows.map(({ game_type, ...totals }) => [game_type, totals]));
  } finally {
    db.close();
  }
}

/** Runs `act` against a fresh test server, closed afterwards whatever happens. */
async function withServer(env: TestEnv, act: (server: TestServer) => Promise<void>, options: { broker?: Broker } = {}): Promise<void> {
  const server = await startTestServer(env, options);
  try {
    await act(server);
  } finally {
    await server.close();
  }
}

/** Scrapes until `check` passes: a socket's close reaches the server a moment after the client's. */
async function eventually(server: TestServer, check: (metrics: Scrape) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const metrics = await scrape(server.url);
    try {
      return check(metrics);
    } catch (error) {
      if (attempt >= 100) throw error;
      await Bun.sleep(10);
    }
  }
}

describe('plays, bets and payouts', () => {
  it('count exactly what the ledger committed, per game, and nothing for a refused play', async () => {
    await withServer({ INITIAL_BALANCE: '500' }, async (server) => {
      const client = api(server.url);
      const players = [await client.signup(), await client.signup()];
      // Odd cents, and plays sent together so the ledger batches them.
      const bets = [0.37, 1.01, 2.5, 0.03];
      const plays = players.flatMap((player) =>
        GAME_NAMES.flatMap((game: GameName, g) => bets.map((_, b) => client.play(player.access_token, game, { bet: bets[(g + b) % bets.length] }))),
      );
      const answers = await Promise.all(plays);
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      // Refused (402): more than the balance. Counted nowhere.
      expect((await client.play(players[0]!.access_token, 'slot', { bet: 10_000 })).status).toBe(402);

      const metrics = await scrape(server.url);
      const ledger = ledgerByGame(server);
      expect([...ledger.keys()].sort()).toEqual([...GAME_NAMES].sort());
      for (const [game, totals] of ledger) {
        expect(metrics.value('games_plays_total', { game })).toBe(totals.plays);
        // In whole cents, as the ledger holds them: the name says the unit.
        expect(metrics.value('games_bet_cents_total', { game })).toBe(totals.bets);
        expect(metrics.value('games_payout_cents_total', { game })).toBe(totals.payouts);
      }
      const total = answers.length;
      expect(total).toBe(32);
      // Every committed transaction's plays add up to every play (none was refused in a batch but the 402).
      expect(metrics.value('games_ledger_batch_size_sum')).toBe(total + 1);
      expect(metrics.value('games_ledger_transaction_duration_seconds_count')).toBe(metrics.value('games_ledger_batch_size_count'));
      // A game_event to the user and the monitors, and a balance_update to the user, per play.
      expect(metrics.value('games_messages_delivered_total', { topic: 'user' })).toBe(2 * total);
      expect(metrics.value('games_messages_delivered_total', { topic: 'monitor' })).toBe(total);
      expect(metrics.value('games_broker_publish_failures_total')).toBe(0);
    });
  });
});

describe('broker publish failures', () => {
  it('are counted, and the play that published them still stands', async () => {
    // A broker whose every publish fails, as a Redis connection that dropped would.
    const broker: Broker = { name: 'failing', connected: false, publish: () => Promise.reject(new Error('connection lost')), start: async () => {}, stop: async () => {} };
    await withServer(
      {},
      async (server) => {
        const client = api(server.url);
        const player = await client.signup();
        expect((await client.play(player.access_token, 'gacha')).status).toBe(200);
        // A play is one broker message (its game_event and balance_update on the user's topic).
        await eventually(server, (metrics) => expect(metrics.value("games_broker_publish_failures_total")).toBe(1));
        const metrics = await scrape(server.url);
        expect(metrics.value('games_plays_total', { game: 'gacha' })).toBe(1);
        expect(metrics.find('games_messages_delivered_total')).toEqual([]);
      },
      { broker },
    );
  });
});

describe('open sockets', () => {
  it('move with sockets opened and closed, by kind', async () => {
    await withServer({}, async (server) => {
      const client = api(server.url);
      const player = await client.signup();
      const admin = await client.loginAdmin();
      // games_websocket_connections, and the same under centrifugo's name.
      const gauge = (metrics: Scrape) => {
        const user = metrics.value('games_websocket_connections', { kind: 'user' });
        const monitor = metrics.value('games_websocket_connections', { kind: 'monitor' });
        expect(metrics.types.get('games_websocket_connections')).toBe('gauge');
        expect([metrics.value('games_node_num_clients', { kind: 'user' }), metrics.value('games_node_num_clients', { kind: 'monitor' })]).toEqual([user, monitor]);
        return { user, monitor };
      };
      expect(gauge(await scrape(server.url))).toEqual({ user: 0, monitor: 0 });
      const first = await openUserSocket(server.url, player.access_token);
      const second = await openUserSocket(server.url, player.access_token);
      const monitor = await openMonitor(server.url, admin.access_token);
      expect(gauge(await scrape(server.url))).toEqual({ user: 2, monitor: 1 });
      first.close();
      await eventually(server, (metrics) => expect(gauge(metrics)).toEqual({ user: 1, monitor: 1 }));
      second.close();
      monitor.socket.close();
      await eventually(server, (metrics) => expect(gauge(metrics)).toEqual({ user: 0, monitor: 0 }));
    });
  });

  it('count a socket closed past its message budget (1008)', async () => {
    await withServer({ WS_MESSAGE_RATE_PER_SECOND: '1', WS_MESSAGE_BURST: '2' }, async (server) => {
      const player = await api(server.url).signup();
      const socket = await openUserSocket(server.url, player.access_token);
      for (let i = 0; i < 3; i++) socket.send({ type: 'ping' });
      expect((await socket.closed).code).toBe(1008);
      await eventually(server, (metrics) => {
        expect(metrics.value('games_server_closes_total', { reason: 'message_budget' })).toBe(1);
        expect(metrics.value('games_server_closes_total', { reason: 'too_slow' })).toBe(0);
        expect(metrics.value('games_node_num_clients', { kind: 'user' })).toBe(0);
      });
    });
  });
});

describe('request latency', () => {
  it('is labelled by route pattern, method and status, with cumulative buckets', async () => {
    await withServer({}, async (server) => {
      const client = api(server.url);
      const player = await client.signup();
      for (let i = 0; i < 3; i++) expect((await client.play(player.access_token, 'rps')).status).toBe(200);
      expect((await client.get(`/api/nowhere/${crypto.randomUUID()}`)).status).toBe(404);
      const metrics = await scrape(server.url);
      expect(metrics.types.get('games_http_request_duration_seconds')).toBe('histogram');
      const labels = { route: '/api/games/rps/play', method: 'POST', status: '200' };
      expect(metrics.value('games_http_request_duration_seconds_count', labels)).toBe(3);
      const buckets = metrics.find('games_http_request_duration_seconds_bucket', labels);
      const counts = buckets.map((b) => b.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)).toEqual({ name: 'games_http_request_duration_seconds_bucket', labels: { ...labels, le: '+Inf' }, value: 3 });
      // A path no route matched is one label value, whatever the path.
      expect(metrics.value('games_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(1);
      expect(metrics.samples.some((s) => s.labels.route?.startsWith('/api/nowhere'))).toBe(false);
    });
  });
});

describe('METRICS_TOKEN', () => {
  it('when set, refuses a scrape without it or with another token, and serves one with it', async () => {
    const token = 'a-metrics-token-0123456789';
    await withServer({ METRICS_TOKEN: token }, async (server) => {
      const refusedHeaders: Record<string, string>[] = [{}, { authorization: 'Bearer another-token-0123456789' }, { authorization: token }];
      for (const headers of refusedHeaders) {
        const refused = await fetch(`${server.url}/metrics`, { headers });
        expect(refused.status).toBe(401);
        expect((await refused.json()).error.code).toBe('unauthorized');
      }
      expect((await scrape(server.url, token)).types.get('games_plays_total')).toBe('counter');
    });
  });

  it('when unset, leaves /metrics public', async () => {
    await withServer({}, async (server) => {
      expect((await scrape(server.url)).value('games_node_num_clients', { kind: 'user' })).toBe(0);
    });
  });
});

describe('games_build_info', () => {
  it('is 1, labelled with the package version, GIT_COMMIT and the Bun version', async () => {
    await withServer({ GIT_COMMIT: 'abc1234' }, async (server) => {
      const metrics = await scrape(server.url);
      expect(metrics.types.get('games_build_info')).toBe('gauge');
      expect(metrics.find('games_build_info')).toEqual([{ name: 'games_build_info', labels: { version: packageJson.version, commit: 'abc1234', bun: Bun.version }, value: 1 }]);
    });
  });

  it('names the checked-out commit when GIT_COMMIT is unset', async () => {
    const head = Bun.spawnSync(['git', 'rev-parse', 'HEAD'], { cwd: import.meta.dir }).stdout.toString().trim();
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    await withServer({}, async (server) => {
      expect((await scrape(server.url)).find('games_build_info')[0]!.labels.commit).toBe(head);
    });
  });
});

describe('docs/API.md', () => {
  it('lists every metric family /metrics serves, with its type, and none it does not', async () => {
    const text = await Bun.file(join(import.meta.dir, '..', '..', 'docs', 'API.md')).text();
    const section = text.split('\n## Metrics\n')[1]?.split('\n## ')[0] ?? '';
    const documented = new Map([...section.matchAll(/^\| `([a-z_]+)` \| (counter|gauge|histogram) \|/gm)].map((match) => [match[1]!, match[2]!]));
    await withServer({}, async (server) => {
      const served = (await scrape(server.url)).types;
      expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(served));
    });
  });
});

describe('the text format', () => {
  it('escapes label values, and the reader gets them back', () => {
    const value = 'a "quoted" \\ back\nslash';
    const parsed = parsePrometheus(`# TYPE x_total counter\nx_total{game="${escapeLabel(value)}"} 1\n`);
    expect(parsed.find('x_total')[0]!.labels.game).toBe(value);
  });

  it('the reader refuses a sample of an undeclared family and a malformed line', () => {
    expect(() => parsePrometheus('x_total 1\n')).toThrow('no TYPE');
    expect(() => parsePrometheus('# TYPE x_total counter\nx_total{game=slot} 1\n')).toThrow();
  });
});
