/**
 * An admin monitor: logs in as an admin and prints every play as it happens, with a running
 * summary (plays, bets, payouts and RTP per game; connected users).
 *
 *   bun examples/monitor.ts --url http://localhost:8000 --username admin --password change-me-please
 *
 * It prints the summary every 10 s (--every N), and --seconds N or --events N make it print it
 * and exit after that long or that many plays; otherwise it runs until Ctrl-C. Options may come from the environment instead:
 * GAME_URL, ADMIN_USERNAME, ADMIN_PASSWORD.
 */
import { parseArgs } from 'node:util';
import { ApiError, GameClient, GAME_NAMES, type GameEvent, type GameName } from '../client';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.GAME_URL ?? 'http://localhost:8000' },
    username: { type: 'string', default: process.env.ADMIN_USERNAME },
    password: { type: 'string', default: process.env.ADMIN_PASSWORD },
    seconds: { type: 'string' },
    events: { type: 'string' },
    every: { type: 'string', default: '10' },
  },
});
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
const maxEvents = values.events === undefined ? undefined : Number(values.events);
const every = Number(values.every);
const isPositive = (n: number | undefined) => n === undefined || (Number.isFinite(n) && n > 0);
if (!values.username || !values.password || !isPositive(seconds) || !isPositive(maxEvents) || !isPositive(every)) {
  console.error('usage: bun examples/monitor.ts --username <admin> --password <password> [--url <url>] [--seconds <n>] [--events <n>] [--every <n>]');
  process.exit(2);
}

/** Totals per game, in cents so sums do not drift. */
const totals = new Map<GameName, { plays: number; betCents: number; payoutCents: number }>(GAME_NAMES.map((game) => [game, { plays: 0, betCents: 0, payoutCents: 0 }]));
const connected = new Set<number>();
let plays = 0;

const cents = (amount: number) => Math.round(amount * 100);
const money = (amountCents: number) => (amountCents / 100).toFixed(2);
const rtp = (betCents: number, payoutCents: number) => (betCents === 0 ? '-' : `${((payoutCents / betCents) * 100).toFixed(1)}%`);

function count(event: GameEvent): void {
  const total = totals.get(event.game_type)!;
  total.plays++;
  total.betCents += cents(event.bet);
  total.payoutCents += cents(event.result.payout);
  plays++;
}

function summary(): string {
  const rows = [...totals].map(([game, t]) => [game, t.plays, money(t.betCents), money(t.payoutCents), rtp(t.betCents, t.payoutCents)]);
  const all = [...totals.values()].reduce((sum, t) => ({ plays: sum.plays + t.plays, betCents: sum.betCents + t.betCents, payoutCents: sum.payoutCents + t.payoutCents }), { plays: 0, betCents: 0, payoutCents: 0 });
  rows.push(['total', all.plays, money(all.betCents), money(all.payoutCents), rtp(all.betCents, all.payoutCents)]);
  const table = [['game', 'plays', 'bet', 'payout', 'rtp'], ...rows].map((row) => row.map((cell) => String(cell).padEnd(8)).join(' ').trimEnd());
  return [...table, `connected users: ${connected.size}`].join('\n');
}

async function main(): Promise<void> {
  const client = new GameClient(values.url);
  await client.login(values.username!, values.password!);
  const monitor = client.monitor();

  const finish = (code = 0) => {
    monitor.close();
    console.log(summary());
    process.exit(code);
  };
  monitor.on('monitor_snapshot', (snapshot) => {
    connected.clear();
    for (const id of snapshot.connected_user_ids) connected.add(id);
    console.log(`watching ${values.url}: ${connected.size} connected users, ${snapshot.recent_events.length} recent events`);
  });
  monitor.on('presence', (presence) => {
    if (presence.status === 'join') connected.add(presence.user_id);
    else connected.delete(presence.user_id);
    console.log(`user ${presence.user_id} ${presence.status === 'join' ? 'joined' : 'left'}; ${connected.size} connected`);
  });
  monitor.on('game_event', (event) => {
    count(event);
    console.log(`play ${event.event_id} user ${event.user_id} ${event.game_type} bet=${event.bet} payout=${event.result.payout}`);
    if (maxEvents !== undefined && plays >= maxEvents) finish();
  });
  monitor.on('disconnected', (info) => console.log(`monitor: disconnected (${info.code}); reconnecting in ${info.reconnectInMs} ms`));
  monitor.on('fatal', (info) => {
    console.error(`monitor: closed for good (${info.code} ${info.reason})`);
    finish(1);
  });
  if (seconds !== undefined) setTimeout(() => finish(), seconds * 1000);
  setInterval(() => console.log(summary()), every * 1000);
  process.on('SIGINT', () => finish());
}

main().catch((error) => {
  console.error(error instanceof ApiError ? `error ${error.status} ${error.code}: ${error.message}` : error);
  process.exit(1);
});
