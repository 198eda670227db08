// @ts-check
/**
 * The admin's login. The access token lives only in this module's memory; the refresh token is
 * kept in sessionStorage (this tab only, gone when it closes) so a reload need not ask again.
 * The access token is renewed before it expires, and every renewal is announced to `onToken`
 * (the socket passes it on in-band).
 */

const REFRESH_KEY = 'monitor.refresh_token';
/** Renew when this share of the token's life has passed. */
const RENEW_AT = 0.75;
const RETRY_MS = 5_000;

/** @typedef {{ id: number, username: string, role: string, balance: number }} User */

export class SessionEndedError extends Error {}
export class NotAdminError extends SessionEndedError {}

/** @param {Response} response */
async function errorMessage(response) {
  try {
    const body = await response.json();
    return body?.error?.message ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** @param {string} path @param {unknown} body */
const postJson = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export class Session {
  /** @param {{ onToken: (token: string) => void, onEnded: (reason: string) => void }} hooks */
  constructor(hooks) {
    this.hooks = hooks;
    /** @type {string | undefined} */
    this.accessToken = undefined;
    this.expiresAt = 0;
    /** @type {User | undefined} */
    this.user = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {Promise<string> | undefined} one renewal at a time: a spent refresh token reused revokes them all */
    this.renewing = undefined;
  }

  get hasStoredLogin() {
    return sessionStorage.getItem(REFRESH_KEY) !== null;
  }

  /** @param {string} username @param {string} password */
  async login(username, password) {
    const response = await postJson('/api/auth/login', { username, password });
    if (!response.ok) throw new Error(await errorMessage(response));
    await this.accept(await response.json());
  }

  /** Resumes the tab's earlier login from its refresh token. */
  async resume() {
    await this.renew();
  }

  /** A fresh access token (renewing now); at most one renewal runs at a time. */
  renew() {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** @returns {Promise<string>} */
  async renewOnce() {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    if (!refreshToken) throw new SessionEndedError('not logged in');
    let response;
    try {
      response = await postJson('/api/auth/refresh', { refresh_token: refreshToken });
    } catch (error) {
      // The server is unreachable: try again later while the token still lives.
      this.schedule(RETRY_MS);
      throw error;
    }
    if (!response.ok) {
      const reason = await errorMessage(response);
      this.end();
      throw new SessionEndedError(reason);
    }
    await this.accept(await response.json());
    return /** @type {string} */ (this.accessToken);
  }

  /** @param {{ access_token: string, expires_in: number, refresh_token: string, user: User }} tokens */
  async accept(tokens) {
    if (tokens.user.role !== 'admin') {
      // Not kept: revoke the login this page has no use for.
      await postJson('/api/auth/logout', { refresh_token: tokens.refresh_token }).catch(() => undefined);
      this.end();
      throw new NotAdminError(`${tokens.user.username} is not an admin: the monitor is for admins only`);
    }
    const isRenewal = this.accessToken !== undefined;
    this.accessToken = tokens.access_token;
    this.expiresAt = Date.now() + tokens.expires_in * 1000;
    this.user = tokens.user;
    sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    this.schedule(tokens.expires_in * 1000 * RENEW_AT);
    if (isRenewal) this.hooks.onToken(tokens.access_token);
  }

  /** Whether the access token expires within `ms`. @param {number} ms */
  expiresWithin(ms) {
    return this.expiresAt - Date.now() < ms;
  }

  /** @param {number} delayMs */
  schedule(delayMs) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.renew().catch((error) => {
        if (error instanceof SessionEndedError) this.hooks.onEnded(`session ended: ${error.message}`);
      });
    }, Math.max(1_000, delayMs));
  }

  async logout() {
    const refreshToken = sessionStorage.getItem(REFRESH_KEY);
    this.end();
    if (refreshToken) await postJson('/api/auth/logout', { refresh_token: refreshToken }).catch(() => undefined);
  }

  end() {
    clearTimeout(this.timer);
    this.accessToken = undefined;
    this.user = undefined;
    this.expiresAt = 0;
    sessionStorage.removeItem(REFRESH_KEY);
  }

  /** @param {string} path */
  getJson(path) {
    return this.request('GET', path);
  }

  /** @param {string} path @param {unknown} body @param {Record<string, string>} [headers] */
  postJson(path, body, headers) {
    return this.request('POST', path, body, headers);
  }

  /**
   * An authenticated request; its JSON answer, or an Error with the server's message.
   * @param {'GET' | 'POST'} method @param {string} path @param {unknown} [body] @param {Record<string, string>} [headers]
   */
  async request(method, path, body, headers = {}) {
    if (this.expiresWithin(5_000)) await this.renew();
    const init = { method, headers: { ...headers, authorization: `Bearer ${this.accessToken}` } };
    if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { ...init.headers, 'content-type': 'application/json' } });
    const response = await fetch(path, init);
    if (!response.ok) throw new Error(await errorMessage(response));
    return response.json();
  }
}
