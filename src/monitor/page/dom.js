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
