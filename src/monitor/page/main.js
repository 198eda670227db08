// @ts-check
/**
 * Wires the monitor page: login form → session → socket → store → drawing. Everything drawn from
 * server data goes in through textContent, never as HTML.
 */
import { drawRate } from './chart.js';
import {
  allEvents, describeOutcome, EventStore, filterQuery, formatMoney, GAMES, matches, measuredRtp,
  playsPerSecond, revenueCents, subscribeMessage, toCents, totals,
} from './model.js';
import { Names } from './names.js';
import { NotAdminError, Session, SessionEndedError } from './session.js';
import { MonitorStream } from './stream.js';

/** Events held for the counters and the feed; the feed shows the newest FEED_ROWS of them. */
const HELD_EVENTS = 5_000;
const FEED_ROWS = 200;
const CHART_SECONDS = 60;
/** A filter being typed is sent once it settles: every message counts against the socket's budget. */
const SUBSCRIBE_DELAY_MS = 300;
const RENDER_INTERVAL_MS = 200;

/** @template {HTMLElement} T @param {string} selector @returns {T} */
const $ = (selector) => /** @type {T} */ (document.querySelector(selector));
/** @param {string} tag @param {string} className @param {string} text */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

const view = {
  status: $('#status'),
  reconnect: /** @type {HTMLButtonElement} */ ($('#reconnect')),
  whoami: $('#whoami'),
  logout: /** @type {HTMLButtonElement} */ ($('#logout')),
  loginView: $('#login-view'),
  loginForm: /** @type {HTMLFormElement} */ ($('#login-form')),
  loginMessage: $('#login-message'),
  monitorView: $('#monitor-view'),
  filters: $('#filters'),
  userSelect: /** @type {HTMLSelectElement} */ ($('#filters select[name="user"]')),
  stats: $('#stats tbody'),
  rate: /** @type {HTMLCanvasElement} */ ($('#rate')),
  connected: $('#connected'),
  connectedCount: $('#connected-count'),
  feed: $('#feed'),
  feedCount: $('#feed-count'),
};

const store = new EventStore(HELD_EVENTS);
/** @type {Set<number>} */
const connectedUsers = new Set();
let filter = allEvents();
let hasHadSnapshot = false;

const session = new Session({
  onToken: (token) => stream.send({ type: 'refresh', token }),
  onEnded: (reason) => signOut(reason),
});
const names = new Names({
  getJson: (path) => session.getJson(path),
  onChange: () => {
    feedRows = new WeakMap();
    scheduleRender();
  },
});
const stream = new MonitorStream({
  path: () => `/api/games/ws/monitor${filterQuery(filter)}`,
  token: () => session.accessToken,
  renewToken: async () => {
    try {
      return await session.renew();
    } catch (error) {
      if (error instanceof SessionEndedError) signOut(`session ended: ${error.message}`);
      throw error;
    }
  },
  tokenExpiresWithin: (ms) => session.expiresWithin(ms),
  onMessage: (message) => receive(message),
  onStatus: ({ state, detail }) => {
    view.status.dataset.state = state;
    view.status.textContent = detail;
    view.reconnect.hidden = state === 'live' || state === 'connecting';
  },
});

/** @param {any} message */
function receive(message) {
  switch (message.type) {
    case 'monitor_snapshot': {
      // The snapshot says who is connected now; its events merge with those held, each once.
      // After a reconnect, the events it adds happened while the page was away: they count in
      // the chart at their own time. The first snapshot's are history.
      connectedUsers.clear();
      for (const id of message.connected_user_ids) connectedUsers.add(id);
      const now = Date.now();
      for (const event of message.recent_events) store.add(event, Math.min(now, Date.parse(event.ts) || now), hasHadSnapshot);
      hasHadSnapshot = true;
      break;
    }
    case 'game_event':
      store.add(message, Date.now(), true);
      break;
    case 'presence':
      if (message.status === 'join') connectedUsers.add(message.user_id);
      else connectedUsers.delete(message.user_id);
      break;
    case 'error':
      // `subscribe` is answered unknown_type by a server that does not filter: the page filters
      // by itself anyway.
      if (message.code !== 'unknown_type') console.warn(`monitor: server error ${message.code}: ${message.message}`);
      break;
  }
  scheduleRender();
}

let isRenderQueued = false;
let lastRenderAt = 0;
/**
 * Draws at most every RENDER_INTERVAL_MS, in an animation frame: under a busy stream many events
 * share one render, and a hidden tab draws nothing until it is shown again.
 */
function scheduleRender() {
  if (isRenderQueued) return;
  isRenderQueued = true;
  const wait = Math.max(0, lastRenderAt + RENDER_INTERVAL_MS - performance.now());
  setTimeout(() => {
    requestAnimationFrame(() => {
      isRenderQueued = false;
      lastRenderAt = performance.now();
      render();
    });
  }, wait);
}

function render() {
  // Visible in the browser's performance panel, and read by bench/monitor-page.ts.
  const startedAt = performance.now();
  const shown = store.matching(filter);
  renderStats(shown);
  renderFeed(shown);
  renderConnected();
  renderUserOptions();
  drawRate(view.rate, playsPerSecond(shown, Date.now(), CHART_SECONDS));
  performance.measure('monitor render', { start: startedAt });
}

/** @param {import('./model.js').Entry[]} shown */
function renderStats(shown) {
  const { byGame, all } = totals(shown);
  const rows = [...GAMES.map((game) => /** @type {const} */ ([game, byGame[game]])), /** @type {const} */ (['all', all])];
  view.stats.replaceChildren(
    ...rows.map(([name, sum]) => {
      const row = document.createElement('tr');
      row.dataset.game = name;
      if (name === 'all') row.className = 'total';
      const s = sum ?? { plays: 0, betCents: 0, payoutCents: 0 };
      const rtp = measuredRtp(s);
      const cells = [
        ['game', name],
        ['plays', String(s.plays)],
        ['bet', formatMoney(s.betCents)],
        ['payout', formatMoney(s.payoutCents)],
        ['ggr', formatMoney(revenueCents(s))],
        ['rtp', rtp === undefined ? '—' : `${(rtp * 100).toFixed(2)}%`],
      ];
      for (const [stat, text] of cells) {
        const cell = element('td', '', /** @type {string} */ (text));
        cell.dataset.stat = stat;
        row.append(cell);
      }
      return row;
    }),
  );
}

/** @param {import('./model.js').Entry[]} shown */
function renderFeed(shown) {
  const newest = shown.slice(-FEED_ROWS).reverse();
  view.feedCount.textContent = shown.length > FEED_ROWS ? `(newest ${FEED_ROWS} of ${shown.length})` : `(${shown.length})`;
  view.feed.replaceChildren(...newest.map((entry) => feedRow(entry)));
}

/**
 * A feed row is built once per event and reused by later renders (a busy stream would otherwise
 * rebuild every row several times a second); learning new names starts afresh.
 */
let feedRows = new WeakMap();
/** @param {import('./model.js').Entry} entry @returns {HTMLLIElement} */
function feedRow(entry) {
  let row = feedRows.get(entry);
  if (!row) {
    row = buildFeedRow(entry.event);
    feedRows.set(entry, row);
  }
  return row;
}

/** @param {import('./model.js').GameEvent} event */
function buildFeedRow(event) {
  const row = document.createElement('li');
  row.dataset.eventId = event.event_id;
  row.dataset.userId = String(event.user_id);
  row.dataset.game = event.game_type;
  const payout = event.result.payout;
  if (payout > event.bet) row.classList.add('win');
  const multiplier = event.bet > 0 ? payout / event.bet : 0;
  const fairness = event.result.fairness;
  row.append(
    element('time', 'time', new Date(event.ts).toLocaleTimeString()),
    element('span', 'user', names.name(event.user_id)),
    element('span', 'game', event.game_type),
    element('span', 'bet', `bet ${formatMoney(toCents(event.bet))}`),
    element('span', 'payout', payout > 0 ? `paid ${formatMoney(toCents(payout))} (${multiplier.toFixed(2)}×)` : 'lost'),
    element('span', 'outcome', describeOutcome(event)),
    element('span', 'fairness', fairness ? `${String(fairness.server_seed_hash).slice(0, 10)}… #${fairness.nonce}` : ''),
  );
  if (fairness) row.lastElementChild?.setAttribute('title', `server seed hash ${fairness.server_seed_hash}, client seed ${fairness.client_seed}, nonce ${fairness.nonce}`);
  return row;
}

function renderConnected() {
  const ids = [...connectedUsers];
  view.connectedCount.textContent = String(ids.length);
  const items = ids.map((id) => {
    const item = element('li', '', names.name(id));
    item.dataset.userId = String(id);
    return item;
  });
  items.sort((a, b) => String(a.textContent).localeCompare(String(b.textContent)));
  view.connected.replaceChildren(...items);
}

let userOptionsKey = '';
/** Rebuilt only when the known users change, so an open list is not pulled from under the admin. */
function renderUserOptions() {
  const known = names.known();
  const key = known.map(([id, name]) => `${id}:${name}`).join(',');
  if (key === userOptionsKey) return;
  userOptionsKey = key;
  const chosen = view.userSelect.value;
  view.userSelect.replaceChildren(
    element('option', '', 'any user'),
    ...known.map(([id, name]) => {
      const option = element('option', '', name);
      /** @type {HTMLOptionElement} */ (option).value = String(id);
      return option;
    }),
  );
  /** @type {HTMLOptionElement} */ (view.userSelect.firstElementChild).value = '';
  view.userSelect.value = chosen;
}

/** @param {string} name */
function numberField(name) {
  const input = /** @type {HTMLInputElement} */ (view.filters.querySelector(`input[name="${name}"]`));
  const value = input.value.trim() === '' ? Number.NaN : Number(input.value);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let subscribeTimer;
function readFilters() {
  const games = [...view.filters.querySelectorAll('input[name="game"]:checked')].map((input) => /** @type {HTMLInputElement} */ (input).value);
  const userId = view.userSelect.value === '' ? undefined : Number(view.userSelect.value);
  filter = { games, userId, minBet: numberField('min_bet'), minMultiplier: numberField('min_multiplier') };
  // Shown at once from what the page holds; the server narrows the stream once it settles.
  scheduleRender();
  clearTimeout(subscribeTimer);
  subscribeTimer = setTimeout(() => stream.send(subscribeMessage(filter)), SUBSCRIBE_DELAY_MS);
}

function showMonitor() {
  view.loginView.hidden = true;
  view.monitorView.hidden = false;
  view.logout.hidden = false;
  view.whoami.textContent = session.user ? `signed in as ${session.user.username}` : '';
  stream.start();
  scheduleRender();
}

/** @param {string} message */
function signOut(message) {
  stream.stop();
  session.end();
  view.monitorView.hidden = true;
  view.loginView.hidden = false;
  view.logout.hidden = true;
  view.reconnect.hidden = true;
  view.whoami.textContent = '';
  view.status.dataset.state = 'signed-out';
  view.status.textContent = 'signed out';
  view.loginMessage.textContent = message;
}

view.loginForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(view.loginForm);
  view.loginMessage.textContent = '';
  try {
    await session.login(String(form.get('username')), String(form.get('password')));
    /** @type {HTMLInputElement} */ (view.loginForm.elements.namedItem('password')).value = '';
    showMonitor();
  } catch (error) {
    view.loginMessage.textContent = error instanceof NotAdminError ? error.message : `login failed: ${error instanceof Error ? error.message : error}`;
  }
});
view.logout.addEventListener('click', async () => {
  stream.stop();
  await session.logout();
  signOut('logged out');
});
view.reconnect.addEventListener('click', () => stream.reconnectNow());
view.filters.addEventListener('input', readFilters);
view.filters.addEventListener('change', readFilters);
// The chart moves with time even when no event arrives.
setInterval(() => {
  if (!view.monitorView.hidden) drawRate(view.rate, playsPerSecond(store.matching(filter), Date.now(), CHART_SECONDS));
}, 1_000);

if (session.hasStoredLogin) {
  session.resume().then(showMonitor, (error) => signOut(error instanceof NotAdminError ? error.message : 'log in again'));
}
