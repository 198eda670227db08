// @ts-check
/**
 * Big wins: the rule the operator sets (kept in this browser, it is no secret) and the last
 * few wins it caught, newest on top, each until dismissed.
 */
import { $, element } from './dom.js';
import { formatDateTime, formatMoney, isBigWin, toCents } from './model.js';

const ALERTS_SHOWN = 5;
const ALERT_RULE_KEY = 'monitor.alert_rule';

/** A positive finite number, or undefined (the rule's part is off). @param {unknown} value */
const positive = (value) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined);

export class BigWins {
  /** @param {{ names: { name(id: number): string } }} deps */
  constructor(deps) {
    this.names = deps.names;
    this.form = /** @type {HTMLFormElement} */ ($('#alert-rule'));
    this.list = $('#alerts');
    /** @type {import('./model.js').GameEvent[]} the big wins shown, newest first */
    this.shown = [];
    /** @type {import('./model.js').BigWinRule} */
    this.rule = this.readRule();
    this.form.addEventListener('change', () => this.changeRule());
    this.form.addEventListener('submit', (event) => event.preventDefault());
  }

  /** @param {import('./model.js').GameEvent} event */
  isBig(event) {
    return isBigWin(event, this.rule);
  }

  /** A live event: shown if the rule calls it a big win. @param {import('./model.js').GameEvent} event */
  arrived(event) {
    if (!this.isBig(event)) return;
    this.shown = [event, ...this.shown].slice(0, ALERTS_SHOWN);
    this.render();
  }

  /** @param {string} name */
  field(name) {
    return /** @type {HTMLInputElement} */ (this.form.elements.namedItem(name));
  }

  /** @returns {import('./model.js').BigWinRule} */
  readRule() {
    try {
      const stored = JSON.parse(localStorage.getItem(ALERT_RULE_KEY) ?? '{}');
      const rule = { minMultiplier: positive(stored.minMultiplier), minPayout: positive(stored.minPayout) };
      this.field('min_multiplier').value = rule.minMultiplier === undefined ? '' : String(rule.minMultiplier);
      this.field('min_payout').value = rule.minPayout === undefined ? '' : String(rule.minPayout);
      return rule;
    } catch {
      return {};
    }
  }

  changeRule() {
    const read = (/** @type {string} */ name) => {
      const input = this.field(name);
      return positive(input.value.trim() === '' ? Number.NaN : Number(input.value));
    };
    this.rule = { minMultiplier: read('min_multiplier'), minPayout: read('min_payout') };
    localStorage.setItem(ALERT_RULE_KEY, JSON.stringify(this.rule));
  }

  render() {
    this.list.replaceChildren(...this.shown.map((event) => this.item(event)));
  }

  /** @param {import('./model.js').GameEvent} event */
  item(event) {
    const payout = event.result.payout;
    const item = document.createElement('li');
    item.dataset.eventId = event.event_id;
    item.append(
      element('time', 'time', formatDateTime(event.ts)),
      element('strong', 'user', this.names.name(event.user_id)),
      element('span', 'game', event.game_type),
      element('span', 'payout', `won ${formatMoney(toCents(payout))} on ${formatMoney(toCents(event.bet))} (${(payout / event.bet).toFixed(2)}×)`),
    );
    const dismiss = element('button', 'dismiss', 'Dismiss');
    /** @type {HTMLButtonElement} */ (dismiss).type = 'button';
    dismiss.addEventListener('click', () => {
      this.shown = this.shown.filter((shown) => shown !== event);
      this.render();
    });
    item.append(dismiss);
    return item;
  }
}
