// Metric events → metric tables, per org, rep or page (SPEC section 9). One pass; counts live
// in arrays indexed like METRICS and become objects once per row at the end, so a million
// events take well under a second (bench/aggregate.bench.mjs).
import type { MetricEvent } from '../metric-event';
import { unansweredRequests } from './close-sessions';
import { createTable, firstOf, mix, sameId } from './keys';
import { BUCKETS, bucketStarts, isTimeZone, zoneCalendar, type Bucket, type ZoneCalendar } from './time';
import {
  METRICS,
  type CountedMetricName,
  type Dimension,
  type RepMetricName,
} from './definitions';

export interface OrgRow {
  orgId: string;
  /** With a `bucket` option: the bucket's start, local time with offset (2026-11-24T00:00:00+01:00). */
  bucket?: string;
  counts: Record<CountedMetricName, number>;
}

/** Leaves out (not zero) the metrics not available for individual users. */
export interface RepRow {
  orgId: string;
  repId: string;
  bucket?: string;
  counts: Record<RepMetricName, number>;
}

export interface PageRow {
  orgId: string;
  page: string;
  bucket?: string;
  counts: Record<CountedMetricName, number>;
}

export interface RowsBy {
  org: OrgRow;
  rep: RepRow;
  page: PageRow;
}

export type Row = RowsBy[Dimension];

/** An instant: a Date, or an ISO 8601 date-time with a zone. */
export type Instant = Date | string;

export interface AggregateOptions<B extends Dimension = Dimension> {
  by: B;
  /** Counts only events at or after this instant (by their occurredAt). */
  from?: Instant;
  /** Counts only events before this instant: [from, to) is half-open. */
  to?: Instant;
  /**
   * One row per bucket too: `hour`, `day`, `week` (starting on Monday) or `month` in `tz`,
   * each labelled with its start. Every bucket of [from, to) (without them, from the first
   * to the last bucket with counts) appears for every row key with counts, zeros included.
   */
  bucket?: Bucket;
  /** The IANA time zone where days begin (default UTC): DST days are 23 or 25 hours. */
  tz?: string;
  /**
   * Ends every session whose last event happened before this instant, as the tracker would
   * have if the visitor had come back: an inbound chat request with no answer and no miss,
   * and each call requested in the session that has neither outcome in any of the visitor's
   * sessions, are counted as missed, on the page of the request.
   *
   * A miss counted this way falls at its request's occurredAt (for `from`, `to` and
   * `bucket`): its own time would be the session's last event plus a timeout the events do
   * not record. Closing looks at every event given, those outside [from, to) included: an
   * answer after `to` still means the request was not missed. Of several requests that could
   * owe the miss, the earliest (then the lowest id) does.
   *
   * Pick an instant at least the tracker's `sessionTimeoutMs` (30 minutes by default) ago: a
   * visitor can stay active long after their last metric event. If a later answer arrives
   * anyway, the next aggregate counts it and no longer counts the miss.
   */
  closeSessionsBefore?: Date;
}

/**
 * Counts indexed like METRICS, by orgId, then by repId or page ('' by org); then, once a
 * time option is given, by bucket start (0 without buckets). Without time options the counts
 * sit right under the key: one map lookup less per event.
 */
type Tallies = Map<string, Map<string, number[] | Map<number, number[]>>>;

// Module functions, not closures made per call: V8 keeps their optimized code from one
// aggregate() to the next, where a new closure would throw it away.

/** One more of metric i in the row of (orgId, key); an event without the key counts nowhere. */
function add(tallies: Tallies, orgId: string, key: unknown, i: number) {
  if (typeof key !== 'string') return;
  // Nested maps look up the events' own strings (hash cached) instead of building a key per event.
  let byKey = tallies.get(orgId);
  if (!byKey) tallies.set(orgId, (byKey = new Map()));
  let n = byKey.get(key) as number[] | undefined;
  if (!n) byKey.set(key, (n = METRICS.map(() => 0)));
  n[i]++;
}

/** add() in the bucket starting at `bucket`. */
function addIn(tallies: Tallies, orgId: string, key: unknown, i: number, bucket: number) {
  if (typeof key !== 'string') return;
  let byKey = tallies.get(orgId);
  if (!byKey) tallies.set(orgId, (byKey = new Map()));
  let byBucket = byKey.get(key) as Map<number, number[]> | undefined;
  if (!byBucket) byKey.set(key, (byBucket = new Map()));
  let n = byBucket.get(bucket);
  if (!n) byBucket.set(bucket, (n = METRICS.map(() => 0)));
  n[i]++;
}

const DIMENSIONS: readonly Dimension[] = ['org', 'rep', 'page'];
// A full date-time with a zone: Date.parse alone accepts "2026" or "Nov 24".
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
/** Whether the text's YYYY-MM-DD is a day of the calendar: Date.parse rolls 2026-02-30 over to 2 March. */
const isCalendarDay = (text: string) => new Date(text.slice(0, 10) + 'T00:00Z').getUTCDate() === +text.slice(8, 10);
const isDate = (value: unknown): value is Date => Object.prototype.toString.call(value) === '[object Date]';

/** Epoch ms of an instant option, or a TypeError naming the option. */
function instantOption(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = isDate(value) ? value.getTime() : typeof value === 'string' && ISO_INSTANT.test(value) && isCalendarDay(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new TypeError(`aggregate: ${name} must be a valid Date or an ISO 8601 date-time with a zone`);
  return ms;
}

function oneOf<T>(name: string, values: readonly T[], value: unknown): T {
  if (!values.includes(value as T)) throw new TypeError(`aggregate: ${name} must be one of ${values.join(', ')}`);
  return value as T;
}

/** The options, checked: a value that means nothing throws a TypeError naming its option. */
function checkOptions(options: AggregateOptions) {
  const by = oneOf('by', DIMENSIONS, options.by);
  const bucket = oneOf('bucket', BUCKETS, options.bucket ?? 'none');
  const tz = options.tz ?? 'UTC';
  if (typeof tz !== 'string' || !isTimeZone(tz)) throw new TypeError('aggregate: tz must be an IANA time zone such as Europe/Berlin');
  const from = instantOption('from', options.from);
  const to = instantOption('to', options.to);
  if (from !== undefined && to !== undefined && from > to) throw new TypeError('aggregate: from must not be after to');
  const close = options.closeSessionsBefore;
  if (close !== undefined && !(isDate(close) && !Number.isNaN(close.getTime()))) {
    throw new TypeError('aggregate: closeSessionsBefore must be a valid Date');
  }
  return { by, bucket, tz, from, to, close };
}

/** Events per batch of lookups: enough to overlap their waits, few enough to stay in cache. */
const BATCH = 64;

/** The keys in code unit order, the same in every locale. */
const sorted = (map: Map<string, unknown>) => [...map.keys()].sort();

/** Epoch ms of an event's occurredAt; NaN when it has none readable. */
const timeOf = (e: MetricEvent) => (typeof e.occurredAt === 'string' ? Date.parse(e.occurredAt) : NaN);

/**
 * Counts metric events into rows, sorted by orgId, then bucket, then repId or page (by code
 * unit, the same in every locale). Dedupes by (`orgId`, `id`), the first wins. What is not a
 * metric event (not an object, an unknown metric, no string `id` or `orgId`) is skipped, never
 * thrown on; so are events without a `repId` by rep and without a `page` by page, and, once
 * `from`, `to` or `bucket` is given, events without a readable `occurredAt`. An option value
 * that means nothing (an unknown `by`, `bucket` or `tz`, an invalid instant, `from` after
 * `to`, a `closeSessionsBefore` that is not a valid Date) throws a TypeError naming it.
 */
export function aggregate<B extends Dimension>(
  events: readonly MetricEvent[],
  options: AggregateOptions<B>,
): RowsBy[B][] {
  const { by, bucket, tz, from, to, close } = checkOptions(options);
  // The event field rows group by, besides orgId; none by org.
  const field = by === 'rep' ? 'repId' : by === 'org' ? '' : (by as 'page');
  const index = new Map<string, number>();
  /** Whether metric i is counted in this dimension (undefined, so no, for i = -1). */
  const counted = METRICS.map((m, i) => (m.derived || index.set(m.name, i), m.dimensions.includes(by)));
  const timed = from !== undefined || to !== undefined || bucket !== 'none';
  const calendar = bucket === 'none' ? undefined : zoneCalendar(bucket, tz);
  const lo = from ?? -Infinity;
  const hi = to ?? Infinity;
  /** The bucket of event j, or NaN when it is outside [from, to) or has no readable time. */
  const bucketOf = (j: number) => {
    const t = timeOf(events[j]);
    return t >= lo && t < hi ? (calendar ? calendar.start(t) : 0) : NaN;
  };

  const tallies: Tallies = new Map();
  const n = events.length;
  const ids = createTable(n);
  const kept = new Uint8Array(n);
  // A batch at a time: every hash, then every lookup, then the counting. A lookup in a table
  // larger than the cache waits on memory; with nothing in between, the CPU has a whole
  // batch of them waiting at once rather than one after another (a third less time in all).
  // kept[j]: 1 + the index in METRICS of event j's metric, 0 for an event to skip.
  const hashes = new Int32Array(BATCH);
  const seed = ids.at(-1)!; // where the table's hashes start
  for (let start = 0; start < n; start += BATCH) {
    for (let j = start; j < start + BATCH; j++) {
      const e = events[j];
      // An unknown metric gives NaN, which the Uint8Array stores as 0.
      if (typeof e?.id === 'string' && typeof e.orgId === 'string') kept[j] = index.get(e.metric)! + 1;
      hashes[j % BATCH] = mix(mix(seed, e?.orgId), e?.id);
    }
    // Past the end of the last batch, kept[j] is undefined: neither looked up nor counted.
    for (let j = start; j < start + BATCH; j++) {
      if (kept[j] && firstOf(ids, events, j, hashes[j % BATCH], sameId) !== j) kept[j] = 0;
    }
    for (let j = start; j < start + BATCH; j++) {
      const i = kept[j] - 1;
      if (!counted[i]) continue;
      if (!timed) add(tallies, events[j].orgId, field && events[j][field], i);
      else {
        const b = bucketOf(j);
        if (b === b) addIn(tallies, events[j].orgId, field && events[j][field], i, b);
      }
    }
  }
  // Missed metrics are not available by rep: closing sessions could not change a rep row.
  if (close && by !== 'rep') {
    // Each missed metric stands two after its request in METRICS, one after kept[j]. A miss
    // falls at its request's time.
    for (const j of unansweredRequests(events, kept, close)) {
      if (!timed) add(tallies, events[j].orgId, field && events[j].page, kept[j] + 1);
      else {
        const b = bucketOf(j);
        if (b === b) addIn(tallies, events[j].orgId, field && events[j].page, kept[j] + 1, b);
      }
    }
  }
  return toRows(tallies, timed, field, counted, index, calendar, from, to) as unknown as RowsBy[B][];
}

/** The tallies as sorted rows; with a calendar, every bucket of the range for every row key. */
function toRows(
  tallies: Tallies,
  timed: boolean,
  field: string,
  counted: boolean[],
  index: Map<string, number>,
  calendar: ZoneCalendar | undefined,
  from: number | undefined,
  to: number | undefined,
) {
  let starts = [0];
  if (calendar) {
    let first = Infinity;
    let last = -Infinity;
    for (const byKey of tallies.values()) {
      for (const byBucket of byKey.values()) {
        for (const b of (byBucket as Map<number, number[]>).keys()) (first = Math.min(first, b)), (last = Math.max(last, b));
      }
    }
    starts = first > last ? [] : bucketStarts(calendar, from ?? first, to ?? last + 1);
  }
  const zeros = METRICS.map(() => 0);
  const rows = [];
  for (const orgId of sorted(tallies)) {
    const byKey = tallies.get(orgId)!;
    const keys = sorted(byKey);
    for (const start of starts) {
      for (const key of keys) {
        const tally = byKey.get(key)!;
        const n = [...((timed ? (tally as Map<number, number[]>).get(start) : (tally as number[])) ?? zeros)];
        const counts: Record<string, number> = {};
        METRICS.forEach((m, i) => {
          // The derived ones come last, after what they sum.
          if (m.derived) for (const name of m.sum) n[i] += n[index.get(name)!];
          if (counted[i]) counts[m.name] = n[i];
        });
        rows.push({ orgId, ...(field && { [field]: key }), ...(calendar && { bucket: calendar.label(start) }), counts });
      }
    }
  }
  return rows;
}
