/**
 * The limiters of the REST side: sign-in attempts per address and plays per user. With Redis
 * every limit holds for the cluster (`shared`); a check Redis cannot answer is made here instead
 * (`fallback`), and the socket limits (parts/realtime.ts) and fairness share the same.
 */
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { ClusterLimits } from '../limits/cluster-limits';
import { LimitsFallback, SharedRateLimiter, type Shared } from '../limits/shared-limits';
import type { Logger } from '../log';

export function buildLimits(config: Config, clock: Clock, logger: Logger, clusterLimits: ClusterLimits | undefined) {
  const fallback = new LimitsFallback((message, fields) => logger.warn(message, fields), clock);
  const shared: Shared | undefined = clusterLimits && { limits: clusterLimits, fallback };
  const authPerAddress = new SharedRateLimiter('auth', config.AUTH_RATE_PER_MINUTE / 60, config.AUTH_BURST, clock, shared);
  const play = new SharedRateLimiter('play', config.PLAY_RATE_PER_SECOND, config.PLAY_BURST, clock, shared);
  return {
    fallback,
    shared,
    authPerAddress,
    play,
    close(): void {
      play.close();
      authPerAddress.close();
    },
  };
}

export type Limits = ReturnType<typeof buildLimits>;
