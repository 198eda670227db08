// @ts-check
/**
 * The back office on the monitor page, all from REST: totals for a chosen period from
 * /api/admin/stats (the ledger, not the events the page holds), player search and a profile
 * with the actions (each asking for a reason), the audit log, and the cluster panel. Everything
 * from the server goes in through textContent, never as HTML.
 */
import { $, element, owned } from './dom.js';
import { formatDateTime, formatMoney, GAMES, periodStart, toCents } from './model.js';

const TOTALS_EVERY_MS = 10_000;
const TOTALS_SOON_MS = 2_000;
const CLUSTER_EVERY_MS = 5_000;
const AUDIT_EVERY_MS = 15_000;
const AUDIT_PAGE = 20;


/** A table row of cells, each named for tests and styles by `data-stat`. @param {[string, string][]} cells */
function row(cells) {
  const tr = document.createElement('tr');
  for (const [name, text] of cells) {
    const td = element('td', '', text);
    td.dataset.stat = name;
    tr.append(td);
  }
  return tr;
}

/** @param {{ plays: number, bet: number, payout: number, ggr: number, rtp: number | null }} sum */
const totalsCells = (sum) => /** @type {[string, string][]} */ ([
  ['plays', String(sum.plays)],
  ['bet', formatMoney(toCents(sum.bet))],
  ['payout', formatMoney(toCents(sum.payout))],
  ['ggr', formatMoney(toCents(sum.ggr))],
  ['rtp', sum.rtp === null ? '—' : `${(sum.rtp * 100).toFixed(2)}%`],
]);

/** @param {ReturnType<typeof setInterval>[]} timers */
const stopAll = (timers) => timers.splice(0).forEach((timer) => clearInterval(timer));

export class BackOffice {
  /**
   * @param {{ session: { getJson(path: string): Promise<any>, postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<any> },
   *   names: { name(id: number): string } }} deps
   */
  constructor(deps) {
    this.session = deps.session;
    this.names = deps.names;
    /** @type {ReturnType<typeof setInterval>[]} */
    this.timers = [];
    /** @type {any} the profile shown */
    this.profile = undefined;
    /** @type {string | undefined} the action whose form is open */
    this.action = undefined;
    /** @type {number | null} */
    this.auditBefore = null;
    /** @type {any[] | undefined} the audit entries shown */
    this.lastAudit = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.soon = undefined;
    this.view = {
      period: /** @type {HTMLSelectElement} */ ($('#period')),
      since: /** @type {HTMLInputElement} */ ($('#period-since')),
      totals: $('#totals tbody'),
      totalsRange: $('#totals-range'),
      totalsNote: $('#totals-note'),
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
      audit: $('#audit tbody'),
      auditMore: /** @type {HTMLButtonElement} */ ($('#audit-more')),
      cluster: $('#cluster tbody'),
      clusterSummary: $('#cluster-summary'),
    };
    this.wire();
  }

  /** A play arrived live: the totals follow within TOTALS_SOON_MS, not at the next tick. */
  played() {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      owned(this.refreshTotals(), 'refreshTotals');
    }, TOTALS_SOON_MS);
  }

  start() {
    owned(this.refreshTotals(), 'refreshTotals');
    owned(this.refreshCluster(), 'refreshCluster');
    owned(this.reloadAudit(), 'reloadAudit');
    this.timers.push(
      setInterval(() => owned(this.refreshTotals(), 'refreshTotals'), TOTALS_EVERY_MS),
      setInterval(() => owned(this.refreshCluster(), 'refreshCluster'), CLUSTER_EVERY_MS),
      setInterval(() => owned(this.reloadAudit(), 'reloadAudit'), AUDIT_EVERY_MS),
    );
  }

  stop() {
    stopAll(this.timers);
    clearTimeout(this.soon);
    this.soon = undefined;
  }

  /** Names learnt: redraw what shows them. */
  namesChanged() {
    if (this.lastAudit) this.drawAudit(this.lastAudit, false);
    if (this.profile) this.drawProfile(this.profile);
  }

  wire() {
    const { view } = this;
    view.period.addEventListener('change', () => {
      view.since.hidden = view.period.value !== 'since';
      owned(this.refreshTotals(), 'refreshTotals');
    });
    view.since.addEventListener('change', () => owned(this.refreshTotals(), 'refreshTotals'));
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
    view.auditMore.addEventListener('click', () => owned(this.loadAudit(this.auditBefore), 'the audit log'));
  }

  async refreshTotals() {
    const { view } = this;
    const now = Date.now();
    const kind = /** @type {'today' | 'hour' | 'day' | 'since' | 'all'} */ (view.period.value);
    const from = periodStart(kind, now, view.since.value);
    if (from === null) {
      view.totalsNote.textContent = 'pick the time to count from';
      return;
    }
    const query = from === undefined ? '' : `?from=${encodeURIComponent(new Date(from).toISOString())}`;
    try {
      const stats = await this.session.getJson(`/api/admin/stats${query}`);
      view.totals.replaceChildren(
        ...[...GAMES.map((game) => /** @type {const} */ ([game, stats.games[game]])), /** @type {const} */ (['all', stats.all])].map(([game, sum]) => {
          const tr = row([['game', game], ...totalsCells(sum ?? { plays: 0, bet: 0, payout: 0, ggr: 0, rtp: null })]);
          tr.dataset.game = game;
          if (game === 'all') tr.className = 'total';
          return tr;
        }),
      );
      view.totalsRange.textContent = stats.from === null ? '(all time, from the ledger)' : `(since ${formatDateTime(stats.from)}, from the ledger)`;
      view.totalsNote.textContent = `as of ${formatDateTime(now)}`;
    } catch (error) {
      view.totalsNote.textContent = `totals unavailable: ${error instanceof Error ? error.message : error}`;
    }
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
    view.profileTotals.replaceChildren(
      ...[...GAMES, 'all'].map((game) => {
        const tr = row([['game', game], ...totalsCells(game === 'all' ? profile.totals.all : profile.totals.games[game])]);
        if (game === 'all') tr.className = 'total';
        return tr;
      }),
    );
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
      await Promise.all([this.openProfile(userId), this.reloadAudit()]);
      view.actionResult.textContent = done;
    } catch (error) {
      view.actionResult.textContent = `${action} refused: ${error instanceof Error ? error.message : error}`;
    }
  }

  reloadAudit() {
    return this.loadAudit(null);
  }

  /** @param {number | null} before */
  async loadAudit(before) {
    try {
      const page = await this.session.getJson(`/api/admin/audit?limit=${AUDIT_PAGE}${before === null ? '' : `&before=${before}`}`);
      this.drawAudit(page.entries, before !== null);
      this.auditBefore = page.next_before;
      this.view.auditMore.hidden = page.next_before === null;
    } catch {
      // Tried again on the next refresh.
    }
  }

  /** @param {any[]} entries @param {boolean} isMore */
  drawAudit(entries, isMore) {
    this.lastAudit = isMore ? [...(this.lastAudit ?? []), ...entries] : entries;
    this.view.audit.replaceChildren(
      ...this.lastAudit.map((entry) => {
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

  async refreshCluster() {
    const { view } = this;
    try {
      const state = await this.session.getJson('/api/admin/cluster');
      view.clusterSummary.textContent = `broker ${state.broker.name}: ${state.broker.connected ? 'connected' : 'DISCONNECTED'}; database ${state.database.dialect}: ${state.database.ok ? 'ok' : 'UNAVAILABLE'}`;
      view.clusterSummary.dataset.healthy = String(state.broker.connected && state.database.ok);
      view.cluster.replaceChildren(
        ...state.instances.map((/** @type {any} */ node) => {
          const tr = row([
            ['instance', `${node.instance.slice(0, 8)}${node.self ? ' *' : ''}`],
            ['started', formatDateTime(node.started_at).slice(11)],
            ['users', String(node.sockets.user)],
            ['monitors', String(node.sockets.monitor)],
            ['broker', node.broker ? 'ok' : 'away'],
            ['database', node.database],
          ]);
          tr.title = `${node.instance}${node.self ? ' (the instance this page talks to)' : ''}, up since ${formatDateTime(node.started_at)}, last heard ${formatDateTime(node.seen_at)}`;
          tr.dataset.instance = node.instance;
          return tr;
        }),
      );
    } catch (error) {
      view.clusterSummary.textContent = `cluster state unavailable: ${error instanceof Error ? error.message : error}`;
      view.clusterSummary.dataset.healthy = 'false';
    }
  }
}
