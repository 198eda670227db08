// @ts-check
/** The page's two DOM helpers: server data goes into elements as text, never as HTML. */

/** @template {HTMLElement} T @param {string} selector @returns {T} */
export const $ = (selector) => /** @type {T} */ (document.querySelector(selector));

/** A new element with a class and its text. @param {string} tag @param {string} className @param {string} text */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

/**
 * Runs an async step started from a timer or an event, with an owner for what it does not catch
 * itself (a drawing error after the fetch): reported on the console, never an unhandled rejection.
 * @param {Promise<unknown>} promise @param {string} what
 */
export function owned(promise, what) {
  promise.catch((error) => console.error(`monitor: ${what} failed`, error));
}
