// @ts-check
/** Rows of the page's totals tables (live, period, profile): one a game, then `all`. */
import { element } from './dom.js';
import { formatMoney, measuredRtp, revenueCents, toCents } from './model.js';

/** A table row of cells, each named for tests and styles by `data-stat`. @param {[string, string][]} cells */
export function row(cells) {
  const tr = document.createElement('tr');
  for (const [name, text] of cells) {
    const td = element('td', '', text);
    td.dataset.stat = name;
    tr.append(td);
  }
  return tr;
}

/** @typedef {{ plays: number, bet: number, payout: number, ggr: number, rtp: number | null }} Sum as the server sums a game */

/** @param {Sum} sum @returns {[string, string][]} */
const sumCells = (sum) => [
  ['plays', String(sum.plays)],
  ['bet', formatMoney(toCents(sum.bet))],
  ['payout', formatMoney(toCents(sum.payout))],
  ['ggr', formatMoney(toCents(sum.ggr))],
  ['rtp', sum.rtp === null ? '—' : `${(sum.rtp * 100).toFixed(2)}%`],
];

/** The page's own count of events (model.js `totals`) in the server's terms. @param {import('./model.js').Totals} totals @returns {Sum} */
export function sumOf(totals) {
  const rtp = measuredRtp(totals);
  return { plays: totals.plays, bet: totals.betCents / 100, payout: totals.payoutCents / 100, ggr: revenueCents(totals) / 100, rtp: rtp === undefined ? null : rtp };
}

const NONE = { plays: 0, bet: 0, payout: 0, ggr: 0, rtp: null };

/**
 * One row a game, in the order given, then the `all` row (class `total`); each row's
 * `data-game` names its game. A game without a sum shows zeros.
 * @param {string[]} games @param {Record<string, Sum | undefined>} byGame @param {Sum} all
 */
export function totalsRows(games, byGame, all) {
  return [...games.map((game) => /** @type {const} */ ([game, byGame[game] ?? NONE])), /** @type {const} */ (['all', all])].map(([game, sum]) => {
    const tr = row([['game', game], ...sumCells(sum)]);
    tr.dataset.game = game;
    if (game === 'all') tr.className = 'total';
    return tr;
  });
}
