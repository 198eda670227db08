import type { Clock } from '../../src/clock';

/** A clock the test moves by hand: starts at the real time, then stands still until advanced. */
export class ManualClock implements Clock {
  constructor(private at = Date.now()) {}

  now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}
