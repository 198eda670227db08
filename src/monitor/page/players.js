// @ts-check
/**
 * The back office's players: search by name, a player's profile (account, totals of all time,
 * newest plays, the actions on them) and the actions, each asking for a reason.
 */
import { $, element, owned } from './dom.js';
import { formatDateTime, formatMoney, toCents } from './model.js';
import { totalsRows } from './tables.js';

export class Players {
  /**
   * @param {{ session: { getJson(path: string): Promise<any>, postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<any> },
   *   names: { name(id: number): string }, audit: { reload(): Promise<void> } }} deps
   */
  constructor(deps) {
    this.session = deps.session;
    this.names = deps.names;
    this.audit = deps.audit;
    /** @type {any} the profile shown */
    this.profile = undefined;
    /** @type {string | undefined} the action whose form is open */
    this.action = undefined;
    this.view = {
      search: /** @type {HTMLFormElement} */ ($('#player-search')),
      results: $('#player-results'),
      profile: $('#profile'),
      profileName: $('#profile-name'),
      profileFacts: $('#profile-facts'),
      profileTotals: $('#profile-totals tbody'),
      profileEvents: $('#profile-events'),
      profileAudit: $('#profile-audit'),
      actions: $('#profile-actions'),
      actionForm: /** @type {HTMLFormElement} */ ($('#action-form')),
      actionTitle: $('#action-title'),
      amountField: $('#amount-field'),
      actionResult: $('#action-result'),
    };
    this.wire();
  }

  wire() {
    const { view } = this;
    view.search.addEventListener('submit', (event) => {
      event.preventDefault();
      owned(this.search(String(new FormData(view.search).get('q') ?? '').trim()), 'search');
    });
    view.actions.addEventListener('click', (event) => {
      const button = /** @type {HTMLElement} */ (event.target).closest('button[data-action]');
      if (button instanceof HTMLButtonElement) this.openAction(String(button.dataset.action));
    });
    $('#action-cancel').addEventListener('click', () => this.closeAction());
    view.actionForm.addEventListener('submit', (event) => {
      event.preventDefault();
      owned(this.applyAction(), 'the action');
    });
  }

  /** Names learnt: the profile shown is drawn again with them. */
  namesChanged() {
    if (this.profile) this.drawProfile(this.profile);
  }

  /** @param {string} prefix */
  async search(prefix) {
    const { view } = this;
    if (!/^[A-Za-z0-9_]{1,32}$/.test(prefix)) {
      view.results.replaceChildren(element('li', 'note', 'a name, or its first letters (A-Z a-z 0-9 _)'));
      return;
    }
    try {
      const { users } = await this.session.getJson(`/api/admin/users?q=${encodeURIComponent(prefix)}`);
      view.results.replaceChildren(
        ...(users.length === 0
          ? [element('li', 'note', 'no player by that name')]
          : users.map((/** @type {any} */ user) => {
              const item = document.createElement('li');
              const button = element('button', 'link', `${user.username} (#${user.id})`);
              /** @type {HTMLButtonElement} */ (button).type = 'button';
              button.dataset.userId = String(user.id);
              button.addEventListener('click', () => owned(this.openProfile(user.id), 'the profile'));
              item.append(button, element('span', `status ${user.status}`, user.status === 'blocked' ? 'blocked' : ''));
              return item;
            })),
      );
    } catch (error) {
      view.results.replaceChildren(element('li', 'note', `search failed: ${error instanceof Error ? error.message : error}`));
    }
  }

  /** @param {number} userId */
  async openProfile(userId) {
    try {
      this.profile = await this.session.getJson(`/api/admin/users/${userId}`);
      this.drawProfile(this.profile);
    } catch (error) {
      this.view.actionResult.textContent = `profile unavailable: ${error instanceof Error ? error.message : error}`;
    }
  }

  /** @param {any} profile */
  drawProfile(profile) {
    const { view } = this;
    const { user } = profile;
    view.profile.hidden = false;
    view.profile.dataset.userId = String(user.id);
    view.profile.dataset.status = user.status;
    view.profileName.textContent = `${user.username} (#${user.id})`;
    const facts = [
      ['balance', formatMoney(toCents(user.balance))],
      ['status', user.status],
      ['role', user.role],
      ['since', formatDateTime(user.created_at)],
    ];
    view.profileFacts.replaceChildren(
      ...facts.flatMap(([name, value]) => {
        const dd = element('dd', '', value);
        dd.dataset.fact = name;
        return [element('dt', '', name), dd];
      }),
    );
    for (const button of view.actions.querySelectorAll('button[data-action]')) {
      const action = /** @type {HTMLElement} */ (button).dataset.action;
      /** @type {HTMLButtonElement} */ (button).hidden = (action === 'block' && user.status === 'blocked') || (action === 'unblock' && user.status !== 'blocked');
    }
    // The server sums every game it offers: its list is the rows'.
    view.profileTotals.replaceChildren(...totalsRows(Object.keys(profile.totals.games), profile.totals.games, profile.totals.all));
    view.profileEvents.replaceChildren(
      ...profile.recent_events.map((/** @type {any} */ event) => {
        const item = element('li', '', '');
        item.dataset.eventId = event.event_id;
        const payout = event.result.payout;
        item.append(
          element('time', 'time', formatDateTime(event.ts)),
          element('span', 'game', event.game_type),
          element('span', 'bet', `bet ${formatMoney(toCents(event.bet))}`),
          element('span', 'payout', payout > 0 ? `paid ${formatMoney(toCents(payout))}` : 'lost'),
        );
        return item;
      }),
    );
    view.profileAudit.replaceChildren(...(profile.audit.length === 0 ? [element('li', 'note', 'none')] : profile.audit.map((/** @type {any} */ entry) => this.auditItem(entry))));
  }

  /** @param {any} entry */
  auditItem(entry) {
    const amount = entry.amount === undefined ? '' : ` ${entry.amount > 0 ? '+' : ''}${formatMoney(toCents(entry.amount))}`;
    const item = element('li', '', `${formatDateTime(entry.at)} ${entry.action}${amount} by ${this.names.name(entry.admin_id)}: ${entry.reason}`);
    item.dataset.action = entry.action;
    return item;
  }

  /** @param {string} action */
  openAction(action) {
    const { view } = this;
    if (!this.profile) return;
    this.action = action;
    const titles = /** @type {Record<string, string>} */ ({
      adjust: 'Adjust the balance by a signed amount (negative takes money away)',
      block: 'Block: no plays, logins or refreshes; open sockets are closed',
      unblock: 'Unblock: the player may log in again',
      disconnect: "Disconnect the player's sockets (they may reconnect)",
    });
    view.actionTitle.textContent = `${titles[action] ?? action} — ${this.profile.user.username}`;
    view.amountField.hidden = action !== 'adjust';
    const amount = /** @type {HTMLInputElement} */ (view.actionForm.elements.namedItem('amount'));
    amount.required = action === 'adjust';
    view.actionForm.dataset.action = action;
    view.actionForm.hidden = false;
    view.actionResult.textContent = '';
    /** @type {HTMLInputElement} */ (view.actionForm.elements.namedItem(action === 'adjust' ? 'amount' : 'reason')).focus();
  }

  closeAction() {
    this.action = undefined;
    this.view.actionForm.hidden = true;
    this.view.actionForm.reset();
  }

  async applyAction() {
    const { view } = this;
    const action = this.action;
    if (!action || !this.profile) return;
    const form = new FormData(view.actionForm);
    const reason = String(form.get('reason') ?? '').trim();
    if (reason === '') {
      view.actionResult.textContent = 'say why: the reason goes into the audit log';
      return;
    }
    const userId = this.profile.user.id;
    const body = action === 'adjust' ? { amount: Number(form.get('amount')), reason } : { reason };
    // One key per submitted adjustment: a retry of the same click cannot move the balance twice.
    const headers = action === 'adjust' ? { 'idempotency-key': crypto.randomUUID() } : undefined;
    try {
      const answer = await this.session.postJson(`/api/admin/users/${userId}/${action}`, body, headers);
      const done = action === 'disconnect' ? `disconnected: ${answer.closed} socket${answer.closed === 1 ? '' : 's'} closed` : action === 'adjust' ? `adjusted: balance ${formatMoney(toCents(answer.user.balance))}` : `${action}ed`;
      this.closeAction();
      // Said once the profile and the log show it, so what the result says is on screen.
      await Promise.all([this.openProfile(userId), this.audit.reload()]);
      view.actionResult.textContent = done;
    } catch (error) {
      view.actionResult.textContent = `${action} refused: ${error instanceof Error ? error.message : error}`;
    }
  }
}
