// @ts-check
/**
 * The back office on the monitor page, all from REST: totals for a chosen period from
 * /api/admin/stats (the ledger, not the events the page holds), the players (players.js), the
 * audit log (audit.js) and the cluster panel (cluster.js), each refreshed on its own timer.
 * Everything from the server goes in through textContent, never as HTML.
 */
import { AuditLog } from './audit.js';
import { ClusterPanel } from './cluster.js';
import { $, owned } from './dom.js';
import { formatDateTime, periodStart } from './model.js';
import { Players } from './players.js';
import { totalsRows } from './tables.js';

const TOTALS_EVERY_MS = 10_000;
const TOTALS_SOON_MS = 2_000;
const CLUSTER_EVERY_MS = 5_000;
const AUDIT_EVERY_MS = 15_000;

export class BackOffice {
  /**
   * @param {{ session: { getJson(path: string): Promise<any>, postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<any> },
   *   names: { name(id: number): string } }} deps
   */
  constructor(deps) {
    this.session = deps.session;
    this.audit = new AuditLog(deps);
    this.players = new Players({ ...deps, audit: this.audit });
    this.cluster = new ClusterPanel(deps);
    /** @type {ReturnType<typeof setInterval>[]} */
    this.timers = [];
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.soon = undefined;
    this.view = {
      period: /** @type {HTMLSelectElement} */ ($('#period')),
      since: /** @type {HTMLInputElement} */ ($('#period-since')),
      totals: $('#totals tbody'),
      totalsRange: $('#totals-range'),
      totalsNote: $('#totals-note'),
    };
    this.view.period.addEventListener('change', () => {
      this.view.since.hidden = this.view.period.value !== 'since';
      owned(this.refreshTotals(), 'refreshTotals');
    });
    this.view.since.addEventListener('change', () => owned(this.refreshTotals(), 'refreshTotals'));
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
    owned(this.cluster.refresh(), 'refreshCluster');
    owned(this.audit.reload(), 'reloadAudit');
    this.timers.push(
      setInterval(() => owned(this.refreshTotals(), 'refreshTotals'), TOTALS_EVERY_MS),
      setInterval(() => owned(this.cluster.refresh(), 'refreshCluster'), CLUSTER_EVERY_MS),
      setInterval(() => owned(this.audit.reload(), 'reloadAudit'), AUDIT_EVERY_MS),
    );
  }

  stop() {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    clearTimeout(this.soon);
    this.soon = undefined;
  }

  /** Names learnt: redraw what shows them. */
  namesChanged() {
    this.audit.namesChanged();
    this.players.namesChanged();
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
      // The server sums every game it offers: its list is the rows'.
      view.totals.replaceChildren(...totalsRows(Object.keys(stats.games), stats.games, stats.all));
      view.totalsRange.textContent = stats.from === null ? '(all time, from the ledger)' : `(since ${formatDateTime(stats.from)}, from the ledger)`;
      view.totalsNote.textContent = `as of ${formatDateTime(now)}`;
    } catch (error) {
      view.totalsNote.textContent = `totals unavailable: ${error instanceof Error ? error.message : error}`;
    }
  }
}
