// @ts-check
import { owned } from './dom.js';
/**
 * Usernames by user id, fetched in batches from GET /api/admin/users?ids=… and kept for the
 * page's life. Ids asked for in one turn go in one request (at most 100 ids each, the
 * endpoint's limit); an id the server does not know is not asked for again.
 */

const BATCH = 100;

export class Names {
  /** @param {{ getJson: (path: string) => Promise<any>, onChange: () => void }} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** @type {Map<number, string>} */
    this.names = new Map();
    /** @type {Set<number>} asked for, or known not to exist */
    this.asked = new Set();
    /** @type {Set<number>} */
    this.wanted = new Set();
    this.isQueued = false;
  }

  /** The name, or a placeholder while it is fetched. @param {number} id */
  name(id) {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    this.want(id);
    return `user #${id}`;
  }

  /** @param {number} id */
  want(id) {
    if (this.names.has(id) || this.asked.has(id)) return;
    this.wanted.add(id);
    if (this.isQueued) return;
    this.isQueued = true;
    queueMicrotask(() => owned(this.fetchWanted(), 'fetching names'));
  }

  async fetchWanted() {
    this.isQueued = false;
    const ids = [...this.wanted];
    this.wanted.clear();
    for (const id of ids) this.asked.add(id);
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      try {
        const body = await this.hooks.getJson(`/api/admin/users?ids=${batch.join(',')}`);
        for (const user of body.users) this.names.set(user.id, user.username);
      } catch {
        // Asked again the next time they are shown.
        for (const id of batch) this.asked.delete(id);
      }
    }
    this.hooks.onChange();
  }

  /** Known users, by name. @returns {[number, string][]} */
  known() {
    return [...this.names].sort((a, b) => a[1].localeCompare(b[1]));
  }
}
