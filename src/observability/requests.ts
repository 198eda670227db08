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

/**
 * What the observer keeps per request, from onRequest to the response: in a WeakMap by the
 * request rather than on Elysia's context. A hook that hands its whole context on (assigns
 * to it, passes it to a function) makes Elysia build every part of every request's context
 * (the cookie jar, the parsed query and headers) for every route; hooks that destructure
 * what they read let it build only that.
 */
type Observed = { requestId: string; startedAt: number };
type RequestContext = { request: Request; route?: string };

export function requestObserver(options: { logger: Logger; metrics: Metrics }) {
  const { logger, metrics } = options;
  const observed = new WeakMap<Request, Observed>();

  /** Logs and measures one answered request; also called for a request refused before routing. */
  function finish(context: RequestContext, status: number): void {
    const { request } = context;
    // Set in onRequest; a request refused before it (none today) would count from now.
    const { requestId, startedAt = performance.now() } = observed.get(request) ?? {};
    const seconds = (performance.now() - startedAt) / 1000;
    const { method } = request;
    const route = context.route || UNMATCHED_ROUTE;
    metrics.requestAnswered(method, route, status, seconds);
    const path = route === UNMATCHED_ROUTE ? redactUrl(request.url) : undefined;
    logger.info('request', { request_id: requestId, method, route, path, status, duration_ms: Math.round(seconds * 1e6) / 1000 });
  }

  const plugin = new Elysia({ name: 'request-observer' })
    .onRequest(({ request, set }) => {
      const given = request.headers.get('x-request-id');
      const requestId = given !== null && SANE_REQUEST_ID.test(given) ? given : crypto.randomUUID();
      observed.set(request, { requestId, startedAt: performance.now() });
      set.headers['x-request-id'] = requestId;
    })
    .onAfterResponse({ as: 'global' }, ({ request, set, responseValue, route }) => {
      const answered = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200;
      // Elysia reports an accepted socket upgrade as 200.
      const isUpgrade = answered === 200 && request.headers.get('upgrade')?.toLowerCase() === 'websocket';
      finish({ request, route }, isUpgrade ? 101 : answered);
    });
  return { plugin, finish };
}
