/**
 * Debian's Chromium for the tests (and the page benchmark) that drive a real browser. A
 * missing binary fails, saying how to install it; it never skips.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless, sandbox off (root in CI), and no traffic of Chromium's own beyond loopback. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The binary's path, or an error saying how to get it. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return CHROMIUM;
}

/** Chromium under playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: requireChromium(), args: CHROMIUM_ARGS });
}
