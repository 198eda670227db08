/**
 * A player: logs in (or signs up), plays N rounds of every game and prints its own events as
 * its stream delivers them; exits 0 once every play's event has arrived.
 *
 *   bun examples/player.ts --url http://localhost:8000 --username alice --password correct-horse --rounds 3
 *
 * Each option may come from the environment instead: GAME_URL, GAME_USERNAME, GAME_PASSWORD,
 * GAME_ROUNDS, GAME_BET.
 */
import { parseArgs } from 'node:util';
import { ApiError, GameClient, GAME_NAMES, type GameName, type PlayResponse } from '../client';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.GAME_URL ?? 'http://localhost:8000' },
    username: { type: 'string', default: process.env.GAME_USERNAME },
    password: { type: 'string', default: process.env.GAME_PASSWORD },
    rounds: { type: 'string', default: process.env.GAME_ROUNDS ?? '3' },
    bet: { type: 'string', default: process.env.GAME_BET ?? '1' },
  },
});
const rounds = Number(values.rounds);
const bet = Number(values.bet);
if (!values.username || !values.password || !Number.isInteger(rounds) || rounds < 0 || !(bet > 0)) {
  console.error('usage: bun examples/player.ts --username <name> --password <password> [--url <url>] [--rounds <n>] [--bet <amount>]');
  process.exit(2);
}

const client = new GameClient(values.url);

/** Logs in; an unknown name (401) is signed up instead. */
async function enter(username: string, password: string): Promise<void> {
  try {
    await client.login(username, password);
    console.log(`logged in as ${username}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
    await client.signup(username, password);
    console.log(`signed up as ${username}`);
  }
}

function play(game: GameName): Promise<PlayResponse> {
  switch (game) {
    case 'slot':
      return client.slot({ bet });
    case 'rps':
      return client.rps({ bet, choice: (['rock', 'paper', 'scissors'] as const)[Math.floor(Math.random() * 3)]! });
    case 'gacha':
      return client.gacha({ bet });
    case 'crash':
      return client.crash({ bet, cashout: 2 });
  }
}

async function main(): Promise<void> {
  await enter(values.username!, values.password!);
  console.log(`balance ${client.user!.balance}`);

  const stream = client.stream();
  const received = new Set<string>();
  let allArrived = () => {};
  const expected = new Set<string>();
  const arrived = new Promise<void>((resolve) => (allArrived = resolve));
  const checkDone = () => {
    if (expected.size === rounds * GAME_NAMES.length && [...expected].every((id) => received.has(id))) allArrived();
  };
  stream.on('game_event', (event) => console.log(`event ${event.event_id} ${event.game_type} bet=${event.bet} payout=${event.result.payout}`));
  // A play's balance_update follows its game_event: when it is here, both are.
  stream.on('balance_update', (update) => {
    console.log(`balance ${update.balance} (${update.delta >= 0 ? '+' : ''}${update.delta})`);
    received.add(update.event_id);
    checkDone();
  });
  stream.on('resync_required', () => console.log('stream: events were missed; reload over REST'));
  stream.on('disconnected', (info) => console.log(`stream: disconnected (${info.code}); reconnecting in ${info.reconnectInMs} ms`));
  stream.on('fatal', (info) => {
    console.error(`stream: closed for good (${info.code} ${info.reason})`);
    process.exit(1);
  });
  await new Promise<void>((resolve) => stream.on('ws_ack', () => resolve()));

  for (let round = 0; round < rounds; round++) {
    for (const game of GAME_NAMES) {
      const played = await play(game);
      expected.add(played.event_id);
    }
  }
  checkDone();
  await arrived;
  stream.close();
  console.log(`done: ${expected.size} plays, balance ${client.user!.balance}`);
}

main().catch((error) => {
  console.error(error instanceof ApiError ? `error ${error.status} ${error.code}: ${error.message}` : error);
  process.exit(1);
});
