// The whole view lives in the URL's query string, so a view can be shared and survives a
// reload: range, zone, bucket, chart metric, org and both tables' sort.
import { isTimeZone } from 'engage-tracker/metrics';
import { isMetricId, type MetricId } from './catalog';
import type { RangePreset } from './ranges';
import { formatLocalDate, parseLocalDate, type LocalDate } from './zone';

export type Bucket = 'hour' | 'day' | 'week';
export type SortDirection = 'ascending' | 'descending';

export interface Sort {
  column: string;
  direction: SortDirection;
}

export interface View {
  range: RangePreset;
  /** Custom range: first and last local day. */
  from?: LocalDate;
  to?: LocalDate;
  tz: string;
  bucket: Bucket;
  metric: MetricId;
  /** Chosen by admins and in open mode; a read token has one org. */
  org?: string;
  reps: Sort;
  pages: Sort;
}

const PRESETS: readonly RangePreset[] = ['today', '7d', '30d', 'custom'];
const BUCKETS: readonly Bucket[] = ['hour', 'day', 'week'];
const SORT_KEY = /^([\w.-]+)\.(asc|desc)$/;

/** The bucket a range reads best in, when the URL names none. */
export const defaultBucket = (range: RangePreset): Bucket => (range === 'today' ? 'hour' : 'day');

function parseSort(text: string | null, fallback: Sort): Sort {
  const m = SORT_KEY.exec(text ?? '');
  return m ? { column: m[1], direction: m[2] === 'asc' ? 'ascending' : 'descending' } : fallback;
}

const sortText = (s: Sort) => `${s.column}.${s.direction === 'ascending' ? 'asc' : 'desc'}`;

/** Reads a view from a query string; anything missing or unknown falls back to a default. */
export function parseView(search: string, defaultZone: string): View {
  const q = new URLSearchParams(search);
  const from = parseLocalDate(q.get('from') ?? '');
  const to = parseLocalDate(q.get('to') ?? '');
  let range = (PRESETS as readonly string[]).includes(q.get('range') ?? '') ? (q.get('range') as RangePreset) : '7d';
  if (range === 'custom' && !(from && to)) range = '7d';
  const tz = q.get('tz') ?? '';
  const bucket = q.get('bucket') ?? '';
  const metric = q.get('metric');
  const view: View = {
    range,
    tz: tz && isTimeZone(tz) ? tz : defaultZone,
    bucket: (BUCKETS as readonly string[]).includes(bucket) ? (bucket as Bucket) : defaultBucket(range),
    metric: isMetricId(metric) ? metric : 'calls_held',
    reps: parseSort(q.get('reps'), { column: 'calls_held', direction: 'descending' }),
    pages: parseSort(q.get('pages'), { column: 'inbound_call_missed', direction: 'descending' }),
  };
  if (range === 'custom') Object.assign(view, { from, to });
  const org = q.get('org');
  if (org) view.org = org;
  return view;
}

export function formatView(view: View): string {
  const q = new URLSearchParams({ range: view.range });
  if (view.range === 'custom' && view.from && view.to) {
    q.set('from', formatLocalDate(view.from));
    q.set('to', formatLocalDate(view.to));
  }
  q.set('tz', view.tz);
  q.set('bucket', view.bucket);
  q.set('metric', view.metric);
  if (view.org) q.set('org', view.org);
  q.set('reps', sortText(view.reps));
  q.set('pages', sortText(view.pages));
  return `?${q}`;
}
