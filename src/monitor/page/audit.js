// @ts-check
/** The back office's audit log: every admin action, newest first, a page at a time. */
import { $, owned } from './dom.js';
import { formatDateTime, formatMoney, toCents } from './model.js';
import { row } from './tables.js';

const AUDIT_PAGE = 20;

export class AuditLog {
  /** @param {{ session: { getJson(path: string): Promise<any> }, names: { name(id: number): string } }} deps */
  constructor(deps) {
    this.session = deps.session;
    this.names = deps.names;
    /** @type {number | null} */
    this.before = null;
    /** @type {any[] | undefined} the entries shown */
    this.shown = undefined;
    this.view = { audit: $('#audit tbody'), more: /** @type {HTMLButtonElement} */ ($('#audit-more')) };
    this.view.more.addEventListener('click', () => owned(this.load(this.before), 'the audit log'));
  }

  /** The newest page again. */
  reload() {
    return this.load(null);
  }

  /** @param {number | null} before */
  async load(before) {
    try {
      const page = await this.session.getJson(`/api/admin/audit?limit=${AUDIT_PAGE}${before === null ? '' : `&before=${before}`}`);
      this.draw(page.entries, before !== null);
      this.before = page.next_before;
      this.view.more.hidden = page.next_before === null;
    } catch {
      // Tried again on the next refresh.
    }
  }

  /** @param {any[]} entries @param {boolean} isMore */
  draw(entries, isMore) {
    this.shown = isMore ? [...(this.shown ?? []), ...entries] : entries;
    this.view.audit.replaceChildren(
      ...this.shown.map((entry) => {
        const tr = row([
          ['at', formatDateTime(entry.at)],
          ['admin', this.names.name(entry.admin_id)],
          ['action', entry.action],
          ['user', this.names.name(entry.user_id)],
          ['amount', entry.amount === undefined ? '' : formatMoney(toCents(entry.amount))],
          ['reason', entry.reason],
        ]);
        tr.dataset.id = String(entry.id);
        /** @type {HTMLElement} */ (tr.lastElementChild).title = entry.reason;
        return tr;
      }),
    );
  }

  /** Names learnt: the entries shown are drawn again with them. */
  namesChanged() {
    if (this.shown) this.draw(this.shown, false);
  }
}
