// The collector's read API (GET /v1/session, GET /v1/metrics) as the page uses it. The token,
// when there is one, goes in the Authorization header, never in the URL.
import type { MetricId } from './catalog';
import type { Bucket } from './view-state';

export interface MetricsRow {
  orgId: string;
  repId?: string;
  page?: string;
  /** Local start of the bucket with its offset: "2026-11-24T00:00:00+01:00". */
  bucket?: string;
  counts: Partial<Record<MetricId, number>>;
}

export interface Session {
  mode: 'open' | 'token';
  orgId?: string;
  orgs?: string[];
}

export type By = 'org' | 'rep' | 'page';

export interface MetricsQuery {
  by: By;
  fromMs: number;
  toMs: number;
  tz: string;
  bucket?: Bucket;
  orgId?: string;
}

/** A non-2xx answer or a failed request; status 0 when the collector could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function metricsPath(q: MetricsQuery, format: 'json' | 'csv' = 'json'): string {
  const p = new URLSearchParams({
    by: q.by,
    from: new Date(q.fromMs).toISOString(),
    to: new Date(q.toMs).toISOString(),
    tz: q.tz,
    bucket: q.bucket ?? 'none',
  });
  if (format === 'csv') p.set('format', 'csv');
  if (q.orgId) p.set('orgId', q.orgId);
  return `v1/metrics?${p}`;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`.trim();
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(res.status, code, message);
}

export interface Api {
  session(): Promise<Session>;
  metrics(q: MetricsQuery): Promise<MetricsRow[]>;
  metricsCsv(q: MetricsQuery): Promise<Blob>;
}

/** `base` is the collector's URL ending in "/"; `token` is read at every call. */
export function createApi(base: string, token: () => string | undefined): Api {
  async function get(path: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    const t = token();
    if (t) headers.authorization = `Bearer ${t}`;
    let res: Response;
    try {
      res = await fetch(new URL(path, base), { headers, cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, 'unreachable', `the collector could not be reached (${String(err)})`);
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }
  return {
    session: async () => (await get('v1/session', 'application/json')).json() as Promise<Session>,
    metrics: async (q) => (await get(metricsPath(q), 'application/json')).json() as Promise<MetricsRow[]>,
    metricsCsv: async (q) => (await get(metricsPath(q, 'csv'), 'text/csv')).blob(),
  };
}
