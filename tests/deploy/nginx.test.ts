/**
 * The shipped nginx configuration (deploy/nginx.conf) in front of two instances on PostgreSQL
 * and Redis, and a rolling restart under load (issue 20): each instance in turn is sent SIGTERM
 * while players play and stream through nginx, and started again on its port. Plays go on
 * through the other instance, every socket reconnects through nginx and resumes with `since`:
 * no acknowledged play lost, no event missed or repeated, the ledger adds up.
 */
import { describe, expect, it } from 'bun:test';
import { GameStream, MonitorStream } from '../../client';
import { auditLedger } from '../support/ledger-audit';
import { total } from '../support/prometheus';
import { api, GAME_NAMES } from '../support/client';
import { eventually, useCluster } from '../support/cluster';
import { startNginx } from '../support/nginx';

const PLAYERS = 4;
const suite = useCluster(2, { TRUSTED_PROXIES: '127.0.0.1' });
const portOf = (url: string) => Number(new URL(url).port);
const fast = { baseMs: 50, maxMs: 400 };
const playsServed = (url: string) => total(url, 'games_plays_total');

describe('nginx in front of two instances', () => {
  it('carries plays and both streams, and a rolling restart loses nothing', async () => {
    const { cluster } = suite;
    const ports = cluster.instances.map((instance) => portOf(instance.url));
    const nginx = await startNginx(ports);
    const front = api(nginx.url);
    const streams: (GameStream | MonitorStream)[] = [];
    try {
      const admin = await front.loginAdmin();
      const monitor = new MonitorStream({ url: nginx.url, getToken: async () => admin.access_token, backoff: fast });
      streams.push(monitor);
      const monitorEvents: string[] = [];
      let monitorReconnects = 0;
      monitor.on('game_event', (event) => monitorEvents.push(event.event_id));
      monitor.on('monitor_snapshot', () => monitorReconnects++);

      const players = await Promise.all(
        Array.from({ length: PLAYERS }, async () => {
          const user = await front.signup('nginx');
          const stream = new GameStream({ url: nginx.url, getToken: async () => user.access_token, backoff: fast });
          streams.push(stream);
          const received: string[] = [];
          const balances: number[] = [];
          let drops = 0;
          stream.on('game_event', (event) => received.push(event.event_id));
          stream.on('balance_update', (update) => balances.push(update.balance));
          stream.on('disconnected', () => drops++);
          return { user, stream, received, balances, drops: () => drops, acknowledged: [] as string[], lastBalance: 0 };
        }),
      );
      await eventually(async () => players.every((p) => p.stream.state === 'open') && monitor.state === 'open', Boolean, 'every stream open through nginx');

      // Each player plays one play at a time, each with its own Idempotency-Key; a refusal the
      // balancer could not hide (none expected) is retried with the same key, as a client would.
      const failures: string[] = [];
      let playing = true;
      const plays = players.map(async (player, p) => {
        for (let n = 0; playing; n++) {
          const key = crypto.randomUUID();
          for (let attempt = 0; ; attempt++) {
            const response = await front.play(player.user.access_token, GAME_NAMES[(n + p) % GAME_NAMES.length]!, { bet: 1 }, { 'idempotency-key': key });
            if (response.status === 200) {
              player.acknowledged.push(response.json.event_id);
              player.lastBalance = response.json.balance;
              break;
            }
            failures.push(`${response.status} ${response.text.slice(0, 80)}`);
            if (attempt > 20) throw new Error(`play refused 20 times: ${failures.at(-1)}\n${nginx.log().split("\n").filter((l) => !l.includes("no live")).slice(0, 30).join("\n")}`);
            await Bun.sleep(50);
          }
        }
      });

      const playedSoFar = () => players.reduce((sum, player) => sum + player.acknowledged.length, 0);
      const morePlays = async (count: number) => {
        const target = playedSoFar() + count;
        await eventually(async () => playedSoFar(), (played) => played >= target, `${count} more plays through nginx`, 20_000);
      };

      await morePlays(40);
      // The rolling restart: one instance at a time, started again on its own port.
      for (const [i, port] of ports.entries()) {
        const old = cluster.instances.find((instance) => portOf(instance.url) === port && instance.proc.exitCode === null)!;
        await morePlays(20);
        await old.stop('SIGTERM');
        expect(old.proc.exitCode).toBe(0);
        await morePlays(40); // on the other instance alone
        const restarted = await cluster.spawn({ PORT: String(port), TRUSTED_PROXIES: '127.0.0.1' });
        await eventually(async () => (await fetch(`${restarted.url}/ready`)).status, (status) => status === 200, `instance ${i} ready again`);
        // As a rolling restart must: the next instance goes only once nginx sends this one plays
        // again (its passive health check forgets the failure after fail_timeout).
        await eventually(() => playsServed(restarted.url), (served) => served > 0, `nginx sending plays to the restarted instance ${i}`);
        await morePlays(40);
      }
      playing = false;
      await Promise.all(plays);

      for (const player of players) {
        await eventually(async () => player.received.length, (count) => count >= player.acknowledged.length, `user ${player.user.user.id}'s events through nginx`, 15_000);
      }
      await Bun.sleep(100); // a repeat would arrive by now
      for (const player of players) {
        // Every acknowledged play's event exactly once, in order, though the socket was moved.
        expect(player.received).toEqual(player.acknowledged);
        expect(player.drops()).toBeGreaterThanOrEqual(1);
      }
      // The monitor reconnected through nginx too and saw the plays after the last restart.
      expect(monitorReconnects).toBeGreaterThanOrEqual(2);
      const lastPlays = players.map((player) => player.acknowledged.at(-1)!);
      await eventually(async () => lastPlays.every((id) => monitorEvents.includes(id)), Boolean, 'the monitor sees the last plays');

      const audit = await auditLedger(cluster.sql(), 1000 * 100);
      expect(audit.problems).toEqual([]);
      for (const player of players) for (const id of player.acknowledged) expect(audit.eventIds.has(id)).toBe(true);
      expect(audit.events).toBe(players.reduce((sum, player) => sum + player.acknowledged.length, 0));
      console.log(`nginx rolling restart: ${playedSoFar()} plays, ${failures.length} refused then retried (${[...new Set(failures.map((f) => f.slice(0, 3)))].join(', ') || 'none'}), socket drops per player ${players.map((p) => p.drops()).join(', ')}`);
    } finally {
      for (const stream of streams) stream.close();
      await nginx.close();
    }
  }, 120_000);
});
