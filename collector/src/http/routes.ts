// The collector's routes: ingest, metrics, health and the static pages. No SQL here: requests
// become query specs and stored events, and the store's failures become statuses.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS, type Dimension } from 'engage-tracker/metrics';
import { checkBatch } from '../ingest/batch.js';
import { QueueFullError, type CommitQueue } from '../ingest/commit-queue.js';
import { toStoredEvents } from '../ingest/event-time.js';
import { parseMetricParams } from '../query/spec.js';
import { StoreUnavailableError, type MetricStore } from '../store/metric-store.js';
import { MAX_BODY_BYTES, readBody } from './body.js';
import { toCsv } from './csv.js';
import { sendError, sendJson, sendText } from './respond.js';
import type { Router, RouteContext } from './router.js';
import { sendFile } from './static-files.js';

/** Where the pages come from: the dashboard build, the widget demo and the SDK's dist/. */
export interface StaticRoots {
  dashboard?: string;
  demo?: string;
  sdkDist?: string;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The folders this install has: the demo exists in the repository only, not in the npm package. */
export function defaultStaticRoots(): StaticRoots {
  const existing = (path: string) => (existsSync(path) ? path : undefined);
  let sdkDist: string | undefined;
  try {
    sdkDist = existing(`${dirname(createRequire(import.meta.url).resolve('engage-tracker/package.json'))}/dist`);
  } catch {
    sdkDist = undefined;
  }
  return {
    dashboard: existing(`${PACKAGE_ROOT}dashboard/dist`),
    demo: existing(`${PACKAGE_ROOT}../examples/demo`),
    sdkDist,
  };
}

export interface RouteDeps {
  store: MetricStore;
  queue: CommitQueue;
  log: (line: string) => void;
  statics: StaticRoots;
  /** Seconds a client should wait after a 503. */
  retryAfterSeconds?: number;
}

/** The count columns of a table by `by`, in METRICS order. */
export const metricColumns = (by: Dimension) => METRICS.filter((m) => m.dimensions.includes(by)).map((m) => m.name);

export function addRoutes(router: Router, deps: RouteDeps): Router {
  const { store, queue, log, statics } = deps;
  const retryAfter = String(deps.retryAfterSeconds ?? 2);
  const unavailable = (ctx: RouteContext, err: unknown) => {
    log(`store unavailable: ${(err as Error)?.message ?? err}`);
    sendError(ctx.res, 503, { code: 'unavailable', message: 'the store is unavailable; retry later' }, { 'Retry-After': retryAfter });
  };

  router.add('POST', '/v1/engage', async (ctx) => {
    const receivedAt = Date.now();
    const raw = await readBody(ctx.req, MAX_BODY_BYTES);
    if (raw === undefined) {
      // Connection: close, as the rest of the body stays unread.
      return sendError(ctx.res, 413, { code: 'too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` }, { Connection: 'close' });
    }
    // JSON whatever the content type: a beacon sends text/plain to avoid a preflight.
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(ctx.res, 400, { code: 'invalid_json', message: 'the body is not valid JSON' });
    }
    const batch = checkBatch(body);
    if ('problem' in batch) return sendError(ctx.res, 400, { code: 'invalid_batch', ...batch.problem });
    try {
      const result = await queue.add(toStoredEvents(batch.events, batch.sentAt, receivedAt));
      sendJson(ctx.res, 200, result);
    } catch (err) {
      if (err instanceof QueueFullError) {
        log(`ingest queue full: ${err.message}`);
        return sendError(ctx.res, 503, { code: 'overloaded', message: 'too many events waiting; retry later' }, { 'Retry-After': retryAfter });
      }
      if (err instanceof StoreUnavailableError) return unavailable(ctx, err);
      throw err;
    }
  });

  router.add('GET', '/v1/metrics', async (ctx) => {
    const parsed = parseMetricParams(ctx.url.searchParams);
    if ('problem' in parsed) return sendError(ctx.res, 400, { code: 'invalid_param', ...parsed.problem });
    const { spec, format } = parsed;
    let rows;
    try {
      rows = await store.metrics(spec);
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(ctx, err);
      throw err;
    }
    if (format === 'json') return sendJson(ctx.res, 200, rows);
    const key = spec.by === 'rep' ? 'repId' : spec.by === 'page' ? 'page' : undefined;
    sendText(ctx.res, 200, 'text/csv; charset=utf-8', toCsv(rows, key, spec.bucket !== 'none', metricColumns(spec.by)));
  });

  router.add('GET', '/v1/session', async (ctx) => {
    try {
      sendJson(ctx.res, 200, { mode: 'open', orgs: await store.orgs() });
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(ctx, err);
      throw err;
    }
  });

  router.add('GET', '/healthz', async (ctx) => {
    const health = await store.health();
    if (health.ok) return sendJson(ctx.res, 200, { ok: true });
    log(`health check failed: ${health.problem}`);
    sendError(ctx.res, 503, { code: 'unavailable', message: 'the store is unavailable' }, { 'Retry-After': retryAfter });
  });

  const folder = (root: string | undefined, mount: string) => (ctx: RouteContext) =>
    root ? sendFile(ctx.res, root, ctx.url.pathname.slice(mount.length)) : sendError(ctx.res, 404, { code: 'not_found', message: `nothing is served at ${mount}/` });
  router.add('GET', '/dist/*', folder(statics.sdkDist, '/dist'));
  router.add('GET', '/demo', (ctx) => void ctx.res.writeHead(308, { Location: '/demo/' }).end());
  router.add('GET', '/demo/*', folder(statics.demo, '/demo'));
  router.add('GET', '/*', (ctx) => (statics.dashboard ? sendFile(ctx.res, statics.dashboard, ctx.url.pathname) : placeholder(ctx)));
  return router;
}

/** Until the dashboard is built: a page that says where the demo and the API are. */
function placeholder(ctx: RouteContext) {
  if (ctx.url.pathname !== '/') return sendError(ctx.res, 404, { code: 'not_found', message: `no route for ${ctx.url.pathname}` });
  sendText(
    ctx.res,
    200,
    'text/html; charset=utf-8',
    '<!doctype html><meta charset="utf-8"><title>engage collector</title><h1>engage collector</h1>' +
      '<p>The dashboard is not built. See <a href="/demo/">the widget demo</a> and <a href="/v1/metrics?by=org">/v1/metrics</a>.</p>',
  );
}
