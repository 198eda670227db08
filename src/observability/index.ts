/**
 * The operator's endpoints: `GET /metrics` (Prometheus text; behind `METRICS_TOKEN` when one
 * is set) and `GET /ready` (200 only once started, and while the database, and Redis where
 * configured, answer).
 */
import { Elysia } from 'elysia';
import { timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../access-tokens';
import { errorResponse } from '../errors';
import { METRICS_CONTENT_TYPE, type Metrics } from '../metrics';

/** A dependency /ready asks: resolves when it answers, rejects (or never settles) when not. */
export type Ping = () => Promise<unknown>;

export type ObservabilityDeps = {
  metrics: Metrics;
  /** Unset: /metrics is public. */
  metricsToken: string | undefined;
  database: Ping;
  /** Undefined when there is no Redis. */
  redis?: Ping;
  isShuttingDown: () => boolean;
  /** True until start-up is done; unset: started. */
  isStarting?: () => boolean;
};

/** A dependency that hangs must not hang the probe: past this it counts as not answering. */
const PING_TIMEOUT_MS = 2000;

function answersInTime(ping: Ping): Promise<boolean> {
  let timer: Timer | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS)));
  const answered = ping().then(
    () => true,
    () => false,
  );
  return Promise.race([answered, timeout]).finally(() => clearTimeout(timer));
}

function isSameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function observabilityController(deps: ObservabilityDeps) {
  const { metrics, metricsToken } = deps;
  return new Elysia({ name: 'observability' })
    .get('/metrics', ({ headers }) => {
      if (metricsToken !== undefined && !isSameToken(bearerToken(headers.authorization), metricsToken)) {
        return errorResponse(401, 'unauthorized', 'the metrics need Authorization: Bearer <METRICS_TOKEN>', { 'www-authenticate': 'Bearer' });
      }
      return new Response(metrics.render(), { headers: { 'content-type': METRICS_CONTENT_TYPE } });
    })
    .get('/ready', async () => {
      if (deps.isShuttingDown()) return errorResponse(503, 'shutting_down', 'the server is shutting down');
      if (deps.isStarting?.()) return errorResponse(503, 'not_ready', 'the server is starting');
      const [database, redis] = await Promise.all([answersInTime(deps.database), deps.redis ? answersInTime(deps.redis) : true]);
      if (!database) return errorResponse(503, 'not_ready', 'the database does not answer');
      if (!redis) return errorResponse(503, 'not_ready', 'Redis does not answer');
      return { status: 'ready' };
    });
}
