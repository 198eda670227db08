/**
 * Start-up through a dependency that is not there yet: a database or a Redis started at the same
 * time, restarting, or killed half-way through the start. Each step is tried again, backing off
 * to 2 s, with one line every 10 s naming what it waits for, until the start-up's deadline;
 * then the last error stands (src/index.ts turns it into its one line and exit 69). Any other
 * error (a bug, a wrong password) ends the wait at once.
 */
import type { Clock } from './clock';
import { throttledWarnings, type Logger } from './log';

/** A dependency start-up may wait for. */
export type Dependency = {
  /** As the log line says it: "the database", "Redis". */
  name: string;
  /** The variable that points at it, for the operator. */
  setting: string;
  /** True for a failure that may pass by itself (cannot connect, connection lost, starting up). */
  isUnavailable(error: unknown): boolean;
};

export type DependencyWait = <T>(dependency: Dependency, step: () => Promise<T>) => Promise<T>;

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;
const LOG_INTERVAL_MS = 10_000;

/** Waits for dependencies until `deadline` (epoch ms, on `clock`); one deadline for the whole start-up. */
export function dependencyWait(options: { deadline: number; logger: Logger; clock: Clock; sleep?: (ms: number) => Promise<unknown> }): DependencyWait {
  const { deadline, clock } = options;
  const sleep = options.sleep ?? Bun.sleep;
  const warnings = throttledWarnings(options.logger, clock, LOG_INTERVAL_MS);
  return async (dependency, step) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const left = deadline - clock.now();
        if (!dependency.isUnavailable(error) || left <= 0) throw error;
        warnings.warn(`start-up waiting for ${dependency.name} (${dependency.setting})`, { error: String(error), seconds_left: Math.ceil(left / 1000) });
        await sleep(Math.min(left, MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt));
      }
    }
  };
}
