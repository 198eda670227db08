/**
 * A game page on @games/client's browser build, with no build step of its own: sign up or log
 * in, play each of the four games over REST, and watch the player's stream (game_event and
 * balance_update) and the balance live. "Drop connection" closes the stream; "Resume" opens a
 * new one with `since` = the last event shown, so the server replays what was played meanwhile.
 * The stream also reconnects and resumes by itself when the server or the network drops it.
 */
import { ApiError, GameClient } from '@games/client';

const $ = (id) => document.getElementById(id);
const STREAM_LINES = 200;

/** @type {GameClient | undefined} */
let client;
/** @type {import('@games/client').GameStream | undefined} */
let stream;
/** The newest event shown: where a resume starts. */
let lastEventId;
/** Bumped by every balance shown, so a slower answer cannot overwrite a newer balance. */
let balanceVersion = 0;

const money = (amount) => amount.toFixed(2);
const signed = (amount) => (amount >= 0 ? `+${money(amount)}` : money(amount));

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function showBalance(balance) {
  balanceVersion += 1;
  $('balance').value = money(balance);
}

/** The balance as the server has it now; a balance shown while the request was out wins. */
async function syncBalance() {
  const version = balanceVersion;
  const user = await client.me();
  if (version === balanceVersion) showBalance(user.balance);
}

/** One line of the stream view, newest first. */
function line(kind, text, data = {}) {
  const item = document.createElement('li');
  item.className = kind;
  Object.assign(item.dataset, data);
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  item.append(time, text);
  $('stream').prepend(item);
  while ($('stream').children.length > STREAM_LINES) $('stream').lastElementChild.remove();
}

function describePlay(play) {
  const { result } = play;
  const payout = `payout ${money(result.payout)}`;
  switch (play.game_type) {
    case 'slot':
      return `Slot: ${result.reels.join(' · ')}, ${result.multiplier}×, ${payout}`;
    case 'rps':
      return `Rock, paper, scissors: you ${result.choice}, house ${result.house_choice}, you ${result.outcome}; ${payout}`;
    case 'gacha':
      return `Gacha: ${result.rarity} ${result.item}, ${payout}`;
    case 'crash':
      return `Crash: crashed at ${result.crash_point}×, cash-out ${result.cashout}× ${result.won ? 'won' : 'lost'}; ${payout}`;
  }
}

function openStream(since) {
  const opened = client.stream({ since });
  stream = opened;
  setStatus('connecting', since ? `resuming after ${since}` : 'connecting');
  opened.on('ws_ack', () => {
    // The stream reconnects with ?since= its newest event, which is this page's lastEventId.
    const resumedAfter = opened.lastEventId;
    setStatus('live', 'live');
    line('info', resumedAfter ? `ws_ack: resumed after ${resumedAfter}` : 'ws_ack: connected');
    // A resume replays game_events, not balance_updates: ask for the balance once connected.
    void syncBalance().catch((error) => line('error', `balance: ${error.message}`));
  });
  opened.on('game_event', (event) => {
    lastEventId = event.event_id;
    $('last-event').textContent = `last event ${event.event_id}`;
    line('game_event', `game_event ${event.event_id} ${event.game_type} bet ${money(event.bet)} payout ${money(event.result.payout)}`, { eventId: event.event_id, game: event.game_type });
  });
  opened.on('balance_update', (update) => {
    showBalance(update.balance);
    line('balance_update', `balance_update ${money(update.balance)} (${signed(update.delta)}) for ${update.event_id}`, { eventId: update.event_id });
  });
  opened.on('resync_required', (message) => {
    line('warn', `resync_required: ${message.message}`);
    void syncBalance();
  });
  opened.on('disconnected', ({ code, reason, reconnectInMs }) => {
    setStatus('reconnecting', `reconnecting in ${(reconnectInMs / 1000).toFixed(1)} s`);
    line('warn', `disconnected (${code}${reason ? ` ${reason}` : ''}); resuming after ${opened.lastEventId ?? 'the start'} in ${reconnectInMs} ms`);
  });
  opened.on('fatal', ({ code, reason }) => line('error', `closed for good (${code} ${reason})`));
  opened.on('invalid_message', ({ reason }) => line('error', `a frame the API does not define: ${reason}`));
}

function dropConnection() {
  stream?.close();
  stream = undefined;
  setStatus('offline', 'offline');
  line('warn', `dropped the connection after ${lastEventId ?? 'no event'}`);
  $('drop').disabled = true;
  $('resume').disabled = false;
}

function resumeConnection() {
  $('resume').disabled = true;
  $('drop').disabled = false;
  openStream(lastEventId);
}

function bodyFor(game, choice) {
  const bet = Number($('bet').value);
  if (game === 'rps') return { bet, choice };
  if (game === 'crash') return { bet, cashout: Number($('cashout').value) };
  return { bet };
}

async function play(game, choice) {
  const buttons = document.querySelectorAll('[data-game]');
  for (const button of buttons) button.disabled = true;
  try {
    // A key makes a retry safe (charged once); randomUUID needs a secure context (https, localhost).
    const idempotencyKey = globalThis.crypto.randomUUID?.();
    const played = await client.play(game, bodyFor(game, choice), { idempotencyKey });
    showBalance(played.balance);
    $('result').className = '';
    $('result').textContent = describePlay(played);
  } catch (error) {
    $('result').className = 'error';
    $('result').textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

async function enter(event) {
  event.preventDefault();
  const form = event.target;
  const isSignup = event.submitter?.value === 'signup';
  $('login-message').textContent = '';
  client = new GameClient(form.server.value);
  try {
    const session = isSignup ? await client.signup(form.username.value, form.password.value) : await client.login(form.username.value, form.password.value);
    $('whoami').textContent = session.user.username;
    showBalance(session.user.balance);
  } catch (error) {
    $('login-message').textContent = error instanceof ApiError ? `${error.code}: ${error.message}` : String(error);
    return;
  }
  $('login-view').hidden = true;
  $('game-view').hidden = false;
  $('stream-view').hidden = false;
  openStream(undefined);
}

const serverFromQuery = new URLSearchParams(location.search).get('server');
$('login-form').server.value = serverFromQuery ?? `${location.protocol}//${location.hostname}:8000`;
$('login-form').addEventListener('submit', (event) => void enter(event));
for (const button of document.querySelectorAll('[data-game]')) button.addEventListener('click', () => void play(button.dataset.game, button.dataset.choice));
$('drop').addEventListener('click', dropConnection);
$('resume').addEventListener('click', resumeConnection);
