// @ts-check
/**
 * The monitor's pure logic: the filter, the event store (deduplicated by event_id), the counters
 * and the words for an outcome. No DOM, no network: main.js feeds it and draws what it says.
 * It names no game: the games are the server's (GET /api/games, games.js), and every rule here
 * holds for any of them.
 */

/**
 * @typedef {{ event_id: string, game_type: string, user_id: number, bet: number, ts: string,
 *   result: { payout: number, multiplier?: number, fairness?: { server_seed_hash: string, client_seed: string, nonce: number } } & Record<string, unknown> }} GameEvent
 * @typedef {{ games?: string[], userId?: number, minBet?: number, minMultiplier?: number }} Filter
 *   `games` left out: every game (all ticked, or the list of games not loaded)
 * @typedef {{ event: GameEvent, arrivedAt: number, isLive: boolean }} Entry
 */

/** @returns {Filter} everything */
export const allEvents = () => ({});

/** Money is summed in cents: adding decimals would drift. */
export const toCents = (/** @type {number} */ amount) => Math.round(amount * 100);

/** @param {Filter} filter @param {GameEvent} event */
export function matches(filter, event) {
  if (filter.games && !filter.games.includes(event.game_type)) return false;
  if (filter.userId !== undefined && event.user_id !== filter.userId) return false;
  if (filter.minBet !== undefined && event.bet < filter.minBet) return false;
  if (filter.minMultiplier !== undefined && event.result.payout / event.bet < filter.minMultiplier) return false;
  return true;
}

/**
 * Whether the games filter is worth sending. None ticked shows nothing in the page, but is not
 * sent as an empty list, which a server could refuse (and a refused upgrade would be retried).
 * @param {Filter} filter @returns {filter is Filter & { games: string[] }}
 */
const narrowsGames = (filter) => filter.games !== undefined && filter.games.length > 0;

/**
 * The filter as the upgrade's query string ('' for none), in the server's names; only what
 * narrows the stream is sent.
 * @param {Filter} filter
 */
export function filterQuery(filter) {
  const params = new URLSearchParams();
  if (narrowsGames(filter)) params.set('games', filter.games.join(','));
  if (filter.userId !== undefined) params.set('user_id', String(filter.userId));
  if (filter.minBet !== undefined) params.set('min_bet', String(filter.minBet));
  if (filter.minMultiplier !== undefined) params.set('min_multiplier', String(filter.minMultiplier));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * The filter as a `subscribe` message: the whole filter, so a server that replaces the previous
 * filter with it, as a new upgrade would, is right; a field left out means any, so the games
 * only when they narrow (none ticked asks for every game, as in the query).
 * @param {Filter} filter
 */
export function subscribeMessage(filter) {
  /** @type {Record<string, unknown>} */
  const message = { type: 'subscribe' };
  if (narrowsGames(filter)) message.games = filter.games;
  if (filter.userId !== undefined) message.user_id = filter.userId;
  if (filter.minBet !== undefined) message.min_bet = filter.minBet;
  if (filter.minMultiplier !== undefined) message.min_multiplier = filter.minMultiplier;
  return message;
}

/** The recent events the page holds, each once, oldest first; the oldest go past `capacity`. */
export class EventStore {
  /** @param {number} capacity */
  constructor(capacity) {
    this.capacity = capacity;
    /** @type {Map<string, Entry>} insertion order is arrival order */
    this.entries = new Map();
  }

  /**
   * Adds an event unless one with its event_id is held: a snapshot after a reconnect repeats
   * events the page already has. Returns whether it was new.
   * @param {GameEvent} event @param {number} arrivedAt @param {boolean} isLive
   */
  add(event, arrivedAt, isLive) {
    if (this.entries.has(event.event_id)) return false;
    this.entries.set(event.event_id, { event, arrivedAt, isLive });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return true;
  }

  /** @param {Filter} filter @returns {Entry[]} oldest first */
  matching(filter) {
    return [...this.entries.values()].filter((entry) => matches(filter, entry.event));
  }
}

/**
 * @typedef {{ plays: number, betCents: number, payoutCents: number }} Totals
 * @param {Entry[]} entries
 * @returns {{ byGame: Record<string, Totals>, all: Totals }} byGame: the games played among them
 */
export function totals(entries) {
  const empty = () => ({ plays: 0, betCents: 0, payoutCents: 0 });
  /** @type {Record<string, Totals>} */
  const byGame = {};
  const all = empty();
  for (const { event } of entries) {
    for (const sum of [byGame[event.game_type] ??= empty(), all]) {
      sum.plays += 1;
      sum.betCents += toCents(event.bet);
      sum.payoutCents += toCents(event.result.payout);
    }
  }
  return { byGame, all };
}

/** Gross gaming revenue: what the house kept. @param {Totals} sum */
export const revenueCents = (sum) => sum.betCents - sum.payoutCents;

/** Measured return to player, or undefined before any bet. @param {Totals} sum */
export const measuredRtp = (sum) => (sum.betCents === 0 ? undefined : sum.payoutCents / sum.betCents);

/**
 * How far the server's clock is behind this page's (ms): the median, over the events that
 * arrived live, of arrival time minus the event's own `ts`; 0 before any. Adding it to an
 * event's `ts` places the event on this page's clock.
 * @param {Entry[]} entries
 */
export function clockSkew(entries) {
  const lags = [];
  for (const entry of entries) {
    if (!entry.isLive) continue;
    const at = Date.parse(entry.event.ts);
    if (Number.isFinite(at)) lags.push(entry.arrivedAt - at);
  }
  if (lags.length === 0) return 0;
  lags.sort((a, b) => a - b);
  return lags[Math.floor(lags.length / 2)];
}

/**
 * Plays per second over the last `seconds` seconds, oldest first, by each event's own time
 * (`ts`, moved onto this page's clock by `skew`): the events a snapshot brings after a reload
 * or a resume count where they happened, not when they arrived.
 * @param {Entry[]} entries @param {number} now @param {number} seconds @param {number} [skew]
 */
export function playsPerSecond(entries, now, seconds, skew = 0) {
  const counts = new Array(seconds).fill(0);
  const currentSecond = Math.floor(now / 1000);
  for (const entry of entries) {
    const at = Date.parse(entry.event.ts);
    const when = Number.isFinite(at) ? at + skew : entry.arrivedAt;
    const age = currentSecond - Math.floor(when / 1000);
    if (age >= 0 && age < seconds) counts[seconds - 1 - age] += 1;
  }
  return counts;
}

/** Money from cents, two decimals, thousands grouped with commas (whatever the browser's locale). @param {number} cents */
export function formatMoney(cents) {
  const [whole, fraction] = (Math.abs(cents) / 100).toFixed(2).split('.');
  const grouped = /** @type {string} */ (whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 ? '-' : ''}${grouped}.${fraction}`;
}

/** An instant as `2025-08-16 12:34:56` in this page's time zone: always with its date. @param {string | number | Date} at */
export function formatDateTime(at) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** `12:34:56`, for an axis whose date is shown once beside it. @param {number} at */
export const formatClock = (at) => formatDateTime(at).slice(11);

/**
 * The start of a totals period, epoch ms, on this page's clock: `today` from local midnight,
 * `hour` and `day` back from now, `since` from the time given (datetime-local), `all` none.
 * @param {'today' | 'hour' | 'day' | 'since' | 'all'} kind @param {number} now @param {string} [since]
 * @returns {number | undefined | null} undefined for all time, null for a `since` that is not a time
 */
export function periodStart(kind, now, since) {
  switch (kind) {
    case 'today': {
      const midnight = new Date(now);
      midnight.setHours(0, 0, 0, 0);
      return midnight.getTime();
    }
    case 'hour':
      return now - 3600_000;
    case 'day':
      return now - 24 * 3600_000;
    case 'since': {
      const at = since ? new Date(since).getTime() : Number.NaN;
      return Number.isFinite(at) ? at : null;
    }
    default:
      return undefined;
  }
}

/**
 * @typedef {{ minMultiplier?: number, minPayout?: number }} BigWinRule
 * A big win: a payout at least `minMultiplier` times the bet, or at least `minPayout`; a rule
 * with neither catches nothing. @param {GameEvent} event @param {BigWinRule} rule
 */
export function isBigWin(event, rule) {
  const payout = event.result.payout;
  if (!(payout > 0)) return false;
  const byMultiplier = rule.minMultiplier !== undefined && event.bet > 0 && payout / event.bet >= rule.minMultiplier;
  const byAmount = rule.minPayout !== undefined && payout >= rule.minPayout;
  return byMultiplier || byAmount;
}

/** Result fields with a cell of their own in a row (payout, its multiple, the fairness data). */
const SHOWN_APART = new Set(['payout', 'multiplier', 'fairness']);

/**
 * What happened in a play, in a few words, from its result's own fields, whatever the game:
 * `reels cherry lemon bell`, `choice rock, house choice paper, outcome lose`.
 * @param {GameEvent} event
 */
export function describeOutcome(event) {
  /** @param {unknown} value */
  const words = (value) => (Array.isArray(value) ? value.join(' ') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  return Object.entries(event.result)
    .filter(([field]) => !SHOWN_APART.has(field))
    .map(([field, value]) => `${field.replaceAll('_', ' ')} ${words(value)}`)
    .join(', ');
}

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from 500 ms, capped at 15 s,
 * with jitter (50–100 % of it) so monitors dropped together do not return together.
 * @param {number} attempt @param {number} random in [0, 1)
 */
export function backoffMs(attempt, random) {
  const ceiling = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling * (0.5 + random / 2));
}
