// @ts-check
/**
 * Wires the monitor page: login form → session → socket → store → drawing. Everything drawn from
 * server data goes in through textContent, never as HTML.
 */
import { BigWins } from './alerts.js';
import { BackOffice } from './backoffice.js';
import { drawRate } from './chart.js';
import { $, element } from './dom.js';
import { Feed } from './feed.js';
import { GameFilter } from './games.js';
import { allEvents, clockSkew, EventStore, filterQuery, playsPerSecond, subscribeMessage, totals } from './model.js';
import { Names } from './names.js';
import { NotAdminError, Session, SessionEndedError } from './session.js';
import { MonitorStream } from './stream.js';
import { sumOf, totalsRows } from './tables.js';

/** Events held for the counters and the feed; the feed shows the newest of them. */
const HELD_EVENTS = 5_000;
const CHART_SECONDS = 60;
/** A filter being typed is sent once it settles: every message counts against the socket's budget. */
const SUBSCRIBE_DELAY_MS = 300;
const RENDER_INTERVAL_MS = 200;


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
};

const store = new EventStore(HELD_EVENTS);
/** @type {Set<number>} */
const connectedUsers = new Set();
let filter = allEvents();
let hasHadSnapshot = false;
/** The newest cursor the page holds: a reconnect resumes after it (`since`). @type {number | undefined} */
let newestCursor;

const session = new Session({
  onToken: (token) => stream.send({ type: 'refresh', token }),
  onEnded: (reason) => signOut(reason),
});
const names = new Names({
  getJson: (path) => session.getJson(path),
  onChange: () => {
    feed.namesChanged();
    backOffice.namesChanged();
    bigWins.render();
    scheduleRender();
  },
});
const bigWins = new BigWins({ names });
const feed = new Feed({ names, isBig: (event) => bigWins.isBig(event) });
// Loaded, all are ticked: the filter is still every game, only the tables gain their rows.
const games = new GameFilter({ fieldset: $('#game-filter'), onLoaded: () => scheduleRender() });
const backOffice = new BackOffice({ session, names });
const stream = new MonitorStream({
  path: () => {
    const query = new URLSearchParams(filterQuery(filter));
    if (newestCursor !== undefined) query.set('since', String(newestCursor));
    const search = query.toString();
    return `/api/games/ws/monitor${search ? `?${search}` : ''}`;
  },
  onResumeRefused: () => {
    // Too far behind for the server to replay: the next snapshot starts afresh.
    newestCursor = undefined;
  },
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
      for (const event of message.recent_events) {
        store.add(event, Math.min(now, Date.parse(event.ts) || now), hasHadSnapshot);
        noteCursor(event);
      }
      hasHadSnapshot = true;
      break;
    }
    case 'game_event':
      if (store.add(message, Date.now(), true)) {
        bigWins.arrived(message);
        backOffice.played();
      }
      noteCursor(message);
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

/** @param {import('./model.js').GameEvent & { cursor?: string }} event */
function noteCursor(event) {
  const cursor = Number(event.cursor);
  if (event.cursor !== undefined && Number.isSafeInteger(cursor) && (newestCursor === undefined || cursor > newestCursor)) newestCursor = cursor;
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
  feed.render(shown);
  renderConnected();
  renderUserOptions();
  drawChart(shown);
  performance.measure('monitor render', { start: startedAt });
}

/** The last minute by the events' own times (put on this page's clock), so a reload or a resume shows what happened then. @param {import('./model.js').Entry[]} shown */
function drawChart(shown) {
  const now = Date.now();
  drawRate(view.rate, playsPerSecond(shown, now, CHART_SECONDS, clockSkew(shown)), now);
}

/** One row a game of the server's list (and any other game among the events), then all. @param {import('./model.js').Entry[]} shown */
function renderStats(shown) {
  const { byGame, all } = totals(shown);
  const shownGames = [...new Set([...games.types, ...Object.keys(byGame)])];
  view.stats.replaceChildren(...totalsRows(shownGames, Object.fromEntries(Object.entries(byGame).map(([game, sum]) => [game, sumOf(sum)])), sumOf(all)));
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
  const userId = view.userSelect.value === '' ? undefined : Number(view.userSelect.value);
  filter = { games: games.chosen(), userId, minBet: numberField('min_bet'), minMultiplier: numberField('min_multiplier') };
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
  backOffice.start();
  scheduleRender();
}

/** @param {string} message */
function signOut(message) {
  stream.stop();
  backOffice.stop();
  newestCursor = undefined;
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
  if (!view.monitorView.hidden) drawChart(store.matching(filter));
}, 1_000);

games.load();
if (session.hasStoredLogin) {
  session.resume().then(showMonitor, (error) => signOut(error instanceof NotAdminError ? error.message : 'log in again'));
}
