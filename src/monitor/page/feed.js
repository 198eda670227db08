// @ts-check
/** The live feed: the newest events shown, one row each, newest first. */
import { $, element } from './dom.js';
import { describeOutcome, formatDateTime, formatMoney, toCents } from './model.js';

const FEED_ROWS = 200;

export class Feed {
  /** @param {{ names: { name(id: number): string }, isBig(event: import('./model.js').GameEvent): boolean }} deps */
  constructor(deps) {
    this.names = deps.names;
    this.isBig = deps.isBig;
    this.list = $('#feed');
    this.count = $('#feed-count');
    /**
     * A row is built once per event and reused by later renders (a busy stream would otherwise
     * rebuild every row several times a second); learning new names starts afresh.
     * @type {WeakMap<import('./model.js').Entry, HTMLLIElement>}
     */
    this.rows = new WeakMap();
  }

  /** Names learnt: rows are built again with them. */
  namesChanged() {
    this.rows = new WeakMap();
  }

  /** @param {import('./model.js').Entry[]} shown */
  render(shown) {
    const newest = shown.slice(-FEED_ROWS).reverse();
    this.count.textContent = shown.length > FEED_ROWS ? `(newest ${FEED_ROWS} of ${shown.length})` : `(${shown.length})`;
    this.list.replaceChildren(...newest.map((entry) => this.row(entry)));
  }

  /** @param {import('./model.js').Entry} entry */
  row(entry) {
    let row = this.rows.get(entry);
    if (!row) {
      row = this.build(entry.event);
      this.rows.set(entry, row);
    }
    return row;
  }

  /** @param {import('./model.js').GameEvent} event */
  build(event) {
    const row = document.createElement('li');
    row.dataset.eventId = event.event_id;
    row.dataset.userId = String(event.user_id);
    row.dataset.game = event.game_type;
    const payout = event.result.payout;
    if (payout > event.bet) row.classList.add('win');
    const multiplier = event.bet > 0 ? payout / event.bet : 0;
    const fairness = event.result.fairness;
    if (this.isBig(event)) row.classList.add('big');
    const time = element('time', 'time', formatDateTime(event.ts));
    time.setAttribute('datetime', event.ts);
    const cells = [
      time,
      element('span', 'user', this.names.name(event.user_id)),
      element('span', 'game', event.game_type),
      element('span', 'bet', `bet ${formatMoney(toCents(event.bet))}`),
      element('span', 'payout', payout > 0 ? `paid ${formatMoney(toCents(payout))} (${multiplier.toFixed(2)}×)` : 'lost'),
      element('span', 'outcome', describeOutcome(event)),
      element('span', 'fairness', fairness ? `${String(fairness.server_seed_hash).slice(0, 10)}… #${fairness.nonce}` : ''),
    ];
    // A cell too narrow for its text ends in an ellipsis; the whole text is its tooltip.
    for (const cell of cells) if (!cell.title) cell.title = cell.textContent ?? '';
    row.append(...cells);
    if (fairness) row.lastElementChild?.setAttribute('title', `server seed hash ${fairness.server_seed_hash}, client seed ${fairness.client_seed}, nonce ${fairness.nonce}`);
    return row;
  }
}
