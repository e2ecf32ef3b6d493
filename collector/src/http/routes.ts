// The collector's routes: ingest, metrics, health and the static pages. No SQL here: requests
// become query specs and stored events, and the store's failures become statuses.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBatch } from '../ingest/batch.js';
import { QueueFullError, type CommitQueue } from '../ingest/commit-queue.js';
import { toStoredEvents } from '../ingest/event-time.js';
import { metricColumns, parseMetricParams } from '../query/spec.js';
import { StoreUnavailableError, type MetricStore } from '../store/metric-store.js';
import { MAX_BODY_BYTES, readBody } from './body.js';
import { toCsv } from './csv.js';
import type { Access } from '../auth/access.js';
import type { AnyReader, ReadRefusal } from '../auth/read-gate.js';
import { ADMIN_ONLY, isOperator } from '../auth/read-gate.js';
import { PAGE_HEADERS } from '../auth/security-headers.js';
import type { CollectorMetrics } from '../ops/prometheus.js';
import { annotate, annotationsOf } from '../ops/request-log.js';
import { disallowOrigin, sendError, sendJson, sendText } from './respond.js';
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
  access: Access;
  metrics: CollectorMetrics;
}

/** The most events one batch may hold (the SDK's largest batchSize): more is a 413. */
export const MAX_EVENTS_PER_BATCH = 500;

/**
 * The one place a request's org enters a query: the spec's orgId is replaced by the org the
 * access checks allowed (whatever orgId= said), and the store binds it as a parameter.
 */
export const scopedSpec = <S extends { orgId?: string }>(spec: S, orgId: string | undefined): S => ({ ...spec, orgId });

export function addRoutes(router: Router, deps: RouteDeps): Router {
  const { store, queue, log, statics, access, metrics } = deps;
  const retryAfter = String(deps.retryAfterSeconds ?? 2);
  const unavailable = (ctx: RouteContext, err: unknown) => {
    log(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'store unavailable', error: String((err as Error)?.message ?? err) }));
    sendError(ctx.res, 503, { code: 'unavailable', message: 'the store is unavailable; retry later' }, { 'Retry-After': retryAfter });
  };

  /** A refused read: its status, headers and error body. */
  const refuseRead = (ctx: RouteContext, refusal: ReadRefusal) => {
    const { status, headers, ...error } = refusal;
    sendError(ctx.res, status, error, headers);
  };
  /** The reader of a data route, or undefined once the refusal is sent. */
  const readerOf = async (ctx: RouteContext): Promise<AnyReader | undefined> => {
    const verdict = await access.reader(ctx.req, ctx.url.searchParams);
    if (!verdict.ok) return void refuseRead(ctx, verdict.refusal);
    if (verdict.reader.kind === 'read') annotate(ctx.res, { orgId: verdict.reader.orgId });
    return verdict.reader;
  };

  router.add('POST', '/v1/engage', async (ctx) => {
    const receivedAt = Date.now();
    const started = performance.now();
    ctx.res.on('finish', () => {
      metrics.batchLatency((performance.now() - started) / 1_000);
      if (ctx.res.statusCode >= 400) metrics.rejected(annotationsOf(ctx.res).error ?? String(ctx.res.statusCode));
    });
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
    const events = (body as { events?: unknown } | null)?.events;
    if (Array.isArray(events) && events.length > MAX_EVENTS_PER_BATCH) {
      return sendError(ctx.res, 413, { code: 'too_many_events', message: `a batch holds at most ${MAX_EVENTS_PER_BATCH} events, not ${events.length}` });
    }
    const batch = checkBatch(body);
    if ('problem' in batch) return sendError(ctx.res, 400, { code: 'invalid_batch', ...batch.problem });
    const verdict = await access.ingest(ctx.req, (body as { key?: unknown }).key, batch.events);
    if (!verdict.ok) {
      const { status, cors, retryAfterSeconds, ...error } = verdict.refusal;
      // A page of an origin the org does not allow is not let in, even to read why.
      if (!cors) disallowOrigin(ctx.res);
      return sendError(ctx.res, status, error, retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {});
    }
    if (verdict.orgId) annotate(ctx.res, { orgId: verdict.orgId });
    annotate(ctx.res, { events: batch.events.length });
    try {
      const result = await queue.add(toStoredEvents(batch.events, batch.sentAt, receivedAt));
      metrics.stored(result.stored, result.duplicates);
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
    // Who asks comes first: a stranger learns nothing, not even which parameters are wrong.
    const reader = await readerOf(ctx);
    if (!reader) return;
    const scope = await access.scope(reader, ctx.url.searchParams);
    if (!scope.ok) return refuseRead(ctx, scope.refusal);
    const parsed = parseMetricParams(ctx.url.searchParams);
    if ('problem' in parsed) return sendError(ctx.res, 400, { code: 'invalid_param', ...parsed.problem });
    const { format } = parsed;
    const spec = scopedSpec(parsed.spec, scope.orgId);
    let rows;
    try {
      rows = await store.metrics(spec);
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(ctx, err);
      // bucketStarts' limit: more buckets than a table may have.
      if (err instanceof RangeError) return sendError(ctx.res, 400, { code: 'invalid_param', param: 'bucket', message: `bucket: ${err.message}` });
      throw err;
    }
    if (format === 'json') return sendJson(ctx.res, 200, rows);
    const key = spec.by === 'rep' ? 'repId' : spec.by === 'page' ? 'page' : undefined;
    sendText(ctx.res, 200, 'text/csv; charset=utf-8', toCsv(rows, key, spec.bucket !== 'none', metricColumns(spec.by)));
  });

  router.add('GET', '/v1/session', async (ctx) => {
    const reader = await readerOf(ctx);
    if (!reader) return;
    // A read token sees its org (orgId); an admin token every org (orgs): the page tells them apart so.
    if (reader.kind === 'read') return sendJson(ctx.res, 200, { mode: 'token', orgId: reader.orgId });
    if (reader.kind === 'admin') return sendJson(ctx.res, 200, { mode: 'token', orgs: await access.orgIds() });
    try {
      sendJson(ctx.res, 200, { mode: 'open', orgs: await store.orgs() });
    } catch (err) {
      if (err instanceof StoreUnavailableError) return unavailable(ctx, err);
      throw err;
    }
  });

  // Prometheus text: the operator's (admin token; open in open mode).
  router.add('GET', '/metrics', async (ctx) => {
    const reader = await readerOf(ctx);
    if (!reader) return;
    if (!isOperator(reader)) return refuseRead(ctx, ADMIN_ONLY);
    sendText(ctx.res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics.render());
  });

  router.add('GET', '/healthz', async (ctx) => {
    const health = await store.health();
    if (health.ok) return sendJson(ctx.res, 200, { ok: true });
    log(`health check failed: ${health.problem}`);
    sendError(ctx.res, 503, { code: 'unavailable', message: 'the store is unavailable' }, { 'Retry-After': retryAfter });
  });

  /** Pages and their files: the strict page policy replaces the data one. */
  const page = (ctx: RouteContext, root: string, path: string) => {
    for (const [name, value] of Object.entries(PAGE_HEADERS)) ctx.res.setHeader(name, value);
    return sendFile(ctx.res, root, path);
  };
  const folder = (root: string | undefined, mount: string) => (ctx: RouteContext) =>
    root ? page(ctx, root, ctx.url.pathname.slice(mount.length)) : sendError(ctx.res, 404, { code: 'not_found', message: `nothing is served at ${mount}/` });
  router.add('GET', '/dist/*', folder(statics.sdkDist, '/dist'));
  router.add('GET', '/demo', (ctx) => void ctx.res.writeHead(308, { Location: '/demo/' }).end());
  router.add('GET', '/demo/*', folder(statics.demo, '/demo'));
  router.add('GET', '/*', (ctx) => (statics.dashboard ? page(ctx, statics.dashboard, ctx.url.pathname) : placeholder(ctx)));
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
