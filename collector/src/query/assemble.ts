// What both stores' SQL gives (counts per org, row key and bucket start, and the misses of
// closed sessions) -> the rows of the contract: labelled, zero-filled buckets, the columns of
// the dimension, sorted in code-unit order. The same calendar helper as aggregate() decides
// labels and which buckets exist, so the three engines cannot disagree on them.
import { bucketStarts, zoneCalendar } from 'engage-tracker/metrics';
import { metricColumns, type MetricQuerySpec, type MetricRow } from './spec.js';

/** One group of metrics.sql or close-sessions.sql; counts by metric name. */
export interface CountGroup {
  orgId: string;
  /** repId or page; '' by org. */
  rowKey: string;
  /** Epoch ms of the bucket's start; null without buckets. */
  bucketMs: number | null;
  counts: Record<string, number>;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function assembleRows(spec: MetricQuerySpec, groups: readonly CountGroup[], misses: readonly CountGroup[]): MetricRow[] {
  const columns = metricColumns(spec.by);
  const field = spec.by === 'rep' ? 'repId' : spec.by === 'page' ? 'page' : undefined;
  // org -> row key -> bucket -> counts
  const tallies = new Map<string, Map<string, Map<number, Record<string, number>>>>();
  const tally = (g: CountGroup) => {
    let byKey = tallies.get(g.orgId);
    if (!byKey) tallies.set(g.orgId, (byKey = new Map()));
    let byBucket = byKey.get(g.rowKey);
    if (!byBucket) byKey.set(g.rowKey, (byBucket = new Map()));
    const bucket = g.bucketMs ?? 0;
    let counts = byBucket.get(bucket);
    if (!counts) byBucket.set(bucket, (counts = Object.fromEntries(columns.map((c) => [c, 0]))));
    return counts;
  };
  const calendar = spec.bucket === 'none' ? undefined : zoneCalendar(spec.bucket, spec.tz);
  // Each group goes to the bucket holding its start, by the calendar aggregate() uses: a
  // store's own zone data (ClickHouse computes its bucket starts itself) can then never put a
  // count on a start that no bucket has. A start that is a bucket's own start stays where it is.
  const startOf = new Map<number, number>();
  const toBucket = (g: CountGroup): CountGroup => {
    if (!calendar || g.bucketMs === null) return g;
    let start = startOf.get(g.bucketMs);
    if (start === undefined) startOf.set(g.bucketMs, (start = calendar.start(g.bucketMs)));
    return { ...g, bucketMs: start };
  };
  groups = groups.map(toBucket);
  misses = misses.map(toBucket);
  for (const g of groups) {
    const counts = tally(g);
    for (const name of columns) counts[name] += g.counts[name] ?? 0;
  }
  if (spec.by !== 'rep') for (const m of misses) {
    const counts = tally(m);
    for (const name of ['inbound_call_missed', 'inbound_chat_missed']) counts[name] += m.counts[name] ?? 0;
  }

  let starts = [0];
  if (calendar) {
    let first = Infinity;
    let last = -Infinity;
    for (const g of [...groups, ...(spec.by === 'rep' ? [] : misses)]) (first = Math.min(first, g.bucketMs ?? 0)), (last = Math.max(last, g.bucketMs ?? 0));
    starts = first > last ? [] : bucketStarts(calendar, spec.from ?? first, spec.to ?? last + 1);
  }
  const rows: MetricRow[] = [];
  for (const orgId of [...tallies.keys()].sort(byCodeUnit)) {
    const byKey = tallies.get(orgId)!;
    const keys = [...byKey.keys()].sort(byCodeUnit);
    for (const start of starts) {
      // One label per bucket, not per row: a label reads the zone's wall clock through Intl.
      const labelled = calendar && { bucket: calendar.label(start) };
      for (const key of keys) {
        const counts = byKey.get(key)!.get(start) ?? Object.fromEntries(columns.map((c) => [c, 0]));
        rows.push({ orgId, ...(field && { [field]: key }), ...labelled, counts });
      }
    }
  }
  return rows;
}

