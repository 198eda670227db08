// @ts-check
/**
 * The games the page filters by and counts: the server's list, from GET /api/games (public,
 * fetched at load), never one of the page's own, so a new game shows here without a change to
 * the page. While the list loads, or when it could not be had, the games filter says so (with a
 * retry) and the page shows every game's events.
 */
import { element, owned } from './dom.js';

/** @typedef {{ game_type: string, route: string, rule: string, rtp: number }} Game */

/** GET /api/games, its answer checked. @returns {Promise<Game[]>} */
export async function fetchGames() {
  const response = await fetch('/api/games', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  const body = await response.json();
  if (!Array.isArray(body?.games)) throw new Error('the answer holds no list of games');
  return body.games.filter((/** @type {any} */ game) => typeof game?.game_type === 'string');
}

/** The games filter: one checkbox a game of the server's list, all ticked at first. */
export class GameFilter {
  /** @param {{ fieldset: HTMLElement, onLoaded: () => void }} deps */
  constructor(deps) {
    this.fieldset = deps.fieldset;
    this.onLoaded = deps.onLoaded;
    /** @type {string[]} the server's game types, in its order; empty until loaded */
    this.types = [];
    this.choices = /** @type {HTMLElement} */ (this.fieldset.querySelector('.choices'));
  }

  /** Fetches the list (again, after a failure) and draws the checkboxes. */
  load() {
    owned(this.fetchAndDraw(), 'loading the games');
  }

  async fetchAndDraw() {
    this.show('loading', [element('span', 'note', 'loading the games…')]);
    try {
      const games = await fetchGames();
      this.types = games.map((game) => game.game_type);
      this.show('ready', games.map((game) => this.checkbox(game)));
    } catch (error) {
      const retry = element('button', 'retry', 'Retry');
      /** @type {HTMLButtonElement} */ (retry).type = 'button';
      retry.addEventListener('click', () => this.load());
      this.show('error', [element('span', 'note', `games unavailable (${error instanceof Error ? error.message : error}): showing every game`), retry]);
    }
    this.onLoaded();
  }

  /** @param {'loading' | 'ready' | 'error'} state @param {HTMLElement[]} children */
  show(state, children) {
    this.fieldset.dataset.state = state;
    this.choices.replaceChildren(...children);
  }

  /** @param {Game} game */
  checkbox(game) {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'game';
    input.value = game.game_type;
    input.checked = true;
    label.append(input, ` ${game.game_type}`);
    label.title = `${game.rule} RTP ${(game.rtp * 100).toFixed(2)}%.`;
    return label;
  }

  /** The games ticked, or undefined for every game: all ticked, or no list to tick from. */
  chosen() {
    const ticked = [...this.choices.querySelectorAll('input[name="game"]:checked')].map((input) => /** @type {HTMLInputElement} */ (input).value);
    const isEveryGame = this.types.length === 0 || ticked.length === this.types.length;
    return isEveryGame ? undefined : ticked;
  }
}
