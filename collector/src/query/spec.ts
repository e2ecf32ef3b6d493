// GET /v1/metrics parameters -> a query spec, or the parameter that is wrong. Pure: the HTTP
// layer turns a problem into a 400, the stores turn a spec into bound SQL parameters.
import { METRICS, type Dimension } from 'engage-tracker/metrics';

export const DIMENSIONS: readonly Dimension[] = ['org', 'rep', 'page'];

/** The count columns of a table by `by`, in METRICS order. */
export const metricColumns = (by: Dimension): string[] => METRICS.filter((m) => m.dimensions.includes(by)).map((m) => m.name);
export const BUCKETS = ['none', 'hour', 'day', 'week', 'month'] as const;
export const FORMATS = ['json', 'csv'] as const;
export type Bucket = (typeof BUCKETS)[number];
export type Format = (typeof FORMATS)[number];

export interface MetricQuerySpec {
  by: Dimension;
  /** Epoch ms, inclusive; undefined: from the first event. */
  from?: number;
  /** Epoch ms, exclusive; undefined: to the last event. */
  to?: number;
  bucket: Bucket;
  /** IANA zone that decides where a day begins. */
  tz: string;
  /** Epoch ms: sessions whose last event is before it are closed (their misses counted). */
  closeSessionsBefore?: number;
  /** Only this org; undefined: every org. */
  orgId?: string;
}

export interface MetricRow {
  orgId: string;
  repId?: string;
  page?: string;
  /** The bucket's start, local ISO date-time with offset: 2026-11-24T00:00:00+01:00. */
  bucket?: string;
  counts: Record<string, number>;
}

export interface ParamProblem {
  param: string;
  message: string;
}

// A full date-time with a zone: Date.parse alone accepts "2026" or "Nov 24".
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether the text's YYYY-MM-DD is a day of the calendar: Date.parse rolls 2026-02-30 over to 2 March. */
const isCalendarDay = (text: string) => new Date(text.slice(0, 10) + 'T00:00Z').getUTCDate() === +text.slice(8, 10);

/** Epoch ms of an ISO instant with a zone, or undefined. */
export function parseInstant(text: string): number | undefined {
  if (!ISO_INSTANT.test(text) || !isCalendarDay(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Whether Intl knows the zone (IANA names, and UTC). */
export function isTimeZone(tz: string): boolean {
  if (tz === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const oneOf = <T extends string>(values: readonly T[], value: string): value is T => (values as readonly string[]).includes(value);

/** Query parameters -> the spec and the answer format, or the first parameter that is wrong. */
export function parseMetricParams(params: URLSearchParams): { spec: MetricQuerySpec; format: Format } | { problem: ParamProblem } {
  const by = params.get('by') ?? 'org'; // the table a dashboard shows first
  if (!oneOf(DIMENSIONS, by)) return { problem: { param: 'by', message: `by must be one of ${DIMENSIONS.join(', ')}` } };
  const bucket = params.get('bucket') ?? 'none';
  if (!oneOf(BUCKETS, bucket)) return { problem: { param: 'bucket', message: `bucket must be one of ${BUCKETS.join(', ')}` } };
  const format = params.get('format') ?? 'json';
  if (!oneOf(FORMATS, format)) return { problem: { param: 'format', message: `format must be one of ${FORMATS.join(', ')}` } };
  const tz = params.get('tz') ?? 'UTC';
  if (!isTimeZone(tz)) return { problem: { param: 'tz', message: 'tz must be an IANA time zone such as Europe/Berlin' } };

  const spec: MetricQuerySpec = { by, bucket, tz };
  for (const param of ['from', 'to', 'closeSessionsBefore'] as const) {
    const text = params.get(param);
    if (text === null) continue;
    const ms = parseInstant(text);
    if (ms === undefined) return { problem: { param, message: `${param} must be an ISO 8601 date-time with a zone, such as 2026-11-24T00:00:00Z` } };
    spec[param] = ms;
  }
  if (spec.from !== undefined && spec.to !== undefined && spec.from > spec.to) {
    return { problem: { param: 'from', message: 'from must not be after to' } };
  }
  const orgId = params.get('orgId');
  if (orgId !== null) spec.orgId = orgId;
  return { spec, format };
}
