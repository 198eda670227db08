/**
 * One log line and one latency observation per REST request, with a request id: the client's
 * `x-request-id` when it is a sane token, else a generated one, echoed in the response.
 */
import { Elysia } from 'elysia';
import { redactUrl, type Logger } from '../log';
import type { Metrics } from '../metrics';

/** Ids a client may choose: no spaces, quotes or control characters, at most 64. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:+=\/-]{1,64}$/;
/** The route label of a request no route matched: its path would make the label set unbounded. */
const UNMATCHED_ROUTE = 'unmatched';

/** What the observer keeps on Elysia's per-request context, from onRequest to the response. */
type Observed = { requestId: string; startedAt: number };
type RequestContext = { request: Request; route?: string } & Partial<Observed>;

export function requestObserver(options: { logger: Logger; metrics: Metrics }) {
  const { logger, metrics } = options;

  /** Logs and measures one answered request; also called for a request refused before routing. */
  function finish(context: RequestContext, status: number): void {
    // Set in onRequest; a request refused before it (none today) would count from now.
    const { requestId, startedAt = performance.now() } = context;
    const seconds = (performance.now() - startedAt) / 1000;
    const { method } = context.request;
    const route = context.route || UNMATCHED_ROUTE;
    metrics.requestAnswered(method, route, status, seconds);
    const path = route === UNMATCHED_ROUTE ? redactUrl(context.request.url) : undefined;
    logger.info('request', { request_id: requestId, method, route, path, status, duration_ms: Math.round(seconds * 1e6) / 1000 });
  }

  const plugin = new Elysia({ name: 'request-observer' })
    .onRequest((context) => {
      const given = context.request.headers.get('x-request-id');
      const requestId = given !== null && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
      // The context lives from onRequest to onAfterResponse, so it carries the start.
      Object.assign(context, { requestId, startedAt: performance.now() } satisfies Observed);
      context.set.headers['x-request-id'] = requestId;
    })
    .onAfterResponse({ as: 'global' }, (context) => {
      const { request, set, responseValue } = context;
      const answered = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200;
      // Elysia reports an accepted socket upgrade as 200.
      const isUpgrade = answered === 200 && request.headers.get('upgrade')?.toLowerCase() === 'websocket';
      finish(context, isUpgrade ? 101 : answered);
    });
  return { plugin, finish };
}
