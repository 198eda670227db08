// @ts-check
/** The back office's cluster panel: the live instances, their sockets, broker and database. */
import { $ } from './dom.js';
import { formatDateTime } from './model.js';
import { row } from './tables.js';

export class ClusterPanel {
  /** @param {{ session: { getJson(path: string): Promise<any> } }} deps */
  constructor(deps) {
    this.session = deps.session;
    this.view = { cluster: $('#cluster tbody'), clusterSummary: $('#cluster-summary') };
  }

  async refresh() {
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
