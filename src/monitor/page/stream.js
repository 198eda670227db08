// @ts-check
/**
 * The monitor socket: opened with the token as a subprotocol (never in the URL), reopened by
 * itself after a close with backoff and jitter, resuming from the newest cursor the page holds,
 * except after 1008 (message budget), 1009 (message too big) and 4003 (the account blocked),
 * where retrying would only repeat the fault. After 4006 (too far behind to replay) the next
 * connection starts afresh, without `since`.
 */
import { owned } from './dom.js';
import { backoffMs } from './model.js';

const PROTOCOL = 'games.v1';
const CLOSE_POLICY = 1008;
const CLOSE_TOO_BIG = 1009;
const CLOSE_TOKEN_EXPIRED = 4001;
const CLOSE_ACCOUNT_BLOCKED = 4003;
const CLOSE_BY_ADMIN = 4004;
const CLOSE_RESUME_OUT_OF_RANGE = 4006;
/** A token closer than this to expiry is renewed before a reconnect: the upgrade would refuse it. */
const RENEW_BEFORE_CONNECT_MS = 30_000;

/**
 * @typedef {{ state: 'connecting' | 'live' | 'reconnecting' | 'disconnected', detail: string }} Status
 * @typedef {{
 *   path: () => string,
 *   token: () => string | undefined,
 *   renewToken: () => Promise<string>,
 *   tokenExpiresWithin: (ms: number) => boolean,
 *   onMessage: (message: any) => void,
 *   onStatus: (status: Status) => void,
 *   onResumeRefused: () => void,
 * }} StreamHooks
 */

export class MonitorStream {
  /** @param {StreamHooks} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.attempt = 0;
    this.isStopped = true;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    this.mustRenew = false;
  }

  start() {
    this.isStopped = false;
    this.attempt = 0;
    owned(this.connect(), 'connecting');
  }

  stop() {
    this.isStopped = true;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'monitor closed');
    this.ws = undefined;
  }

  /** Reconnects now (the button shown while disconnected or waiting). */
  reconnectNow() {
    if (this.isStopped) return;
    clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'reconnecting');
    this.ws = undefined;
    owned(this.connect(), 'connecting');
  }

  /** Sends a message when the socket is open; returns whether it was sent. @param {unknown} message */
  send(message) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  async connect() {
    if (this.isStopped) return;
    this.hooks.onStatus({ state: 'connecting', detail: this.attempt === 0 ? 'connecting…' : `reconnecting (attempt ${this.attempt + 1})…` });
    try {
      if (this.mustRenew || this.hooks.tokenExpiresWithin(RENEW_BEFORE_CONNECT_MS)) await this.hooks.renewToken();
      this.mustRenew = false;
    } catch (error) {
      this.retry(`could not renew the login: ${error instanceof Error ? error.message : error}`);
      return;
    }
    const token = this.hooks.token();
    if (this.isStopped || token === undefined) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}${this.hooks.path()}`, [PROTOCOL, `bearer.${token}`]);
    this.ws = ws;
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      let message;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message.type === 'monitor_snapshot') {
        this.attempt = 0;
        this.hooks.onStatus({ state: 'live', detail: 'live' });
      }
      this.hooks.onMessage(message);
    });
    let isOpened = false;
    ws.addEventListener('open', () => {
      isOpened = true;
    });
    ws.addEventListener('close', async (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.isStopped) return;
      // A refused upgrade is only 1006 to a browser: ask the server, in words, whether it was the origin.
      if (!isOpened && (await isOriginRefused())) {
        this.hooks.onStatus({ state: 'disconnected', detail: `origin not allowed: the server's ALLOWED_ORIGINS does not list ${location.origin}; not retrying by itself` });
        return;
      }
      const reason = `closed ${event.code}${event.reason ? ` (${event.reason})` : ''}`;
      if (event.code === CLOSE_ACCOUNT_BLOCKED) {
        this.hooks.onStatus({ state: 'disconnected', detail: `disconnected: this admin account was blocked (${event.code}); not retrying` });
        return;
      }
      const isFault = event.code === CLOSE_POLICY || event.code === CLOSE_TOO_BIG;
      if (isFault) {
        this.hooks.onStatus({ state: 'disconnected', detail: `disconnected: ${reason}; not retrying by itself` });
        return;
      }
      if (event.code === CLOSE_TOKEN_EXPIRED) this.mustRenew = true;
      if (event.code === CLOSE_RESUME_OUT_OF_RANGE) this.hooks.onResumeRefused();
      this.retry(event.code === CLOSE_BY_ADMIN ? `closed by an administrator (${event.code})` : reason);
    });
  }

  /** @param {string} reason */
  retry(reason) {
    if (this.isStopped) return;
    const delay = backoffMs(this.attempt, Math.random());
    this.attempt += 1;
    this.hooks.onStatus({ state: 'reconnecting', detail: `disconnected: ${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s` });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => owned(this.connect(), 'connecting'), delay);
  }
}

/** Whether the server refuses this page's origin for sockets (a POST carries the Origin header). */
async function isOriginRefused() {
  try {
    const answer = await fetch('/api/games/ws/origin-check', { method: 'POST' });
    return answer.ok && (await answer.json()).allowed === false;
  } catch {
    return false;
  }
}
