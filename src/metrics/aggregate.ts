// Metric events → metric tables, per org, rep or page (SPEC section 9). One pass; counts live
// in arrays indexed like METRICS and become objects once per row at the end, so a million
// events take well under a second (bench/aggregate.bench.mjs).
import type { MetricEvent } from '../metric-event';
import { unansweredRequests } from './close-sessions';
import { createTable, firstOf, mix, sameId } from './keys';
import {
  METRICS,
  type CountedMetricName,
  type Dimension,
  type RepMetricName,
} from './definitions';

export interface OrgRow {
  orgId: string;
  counts: Record<CountedMetricName, number>;
}

/** Leaves out (not zero) the metrics not available for individual users. */
export interface RepRow {
  orgId: string;
  repId: string;
  counts: Record<RepMetricName, number>;
}

export interface PageRow {
  orgId: string;
  page: string;
  counts: Record<CountedMetricName, number>;
}

export interface RowsBy {
  org: OrgRow;
  rep: RepRow;
  page: PageRow;
}

export type Row = RowsBy[Dimension];

export interface AggregateOptions<B extends Dimension = Dimension> {
  by: B;
  /**
   * Ends every session whose last event happened before this instant, as the tracker would
   * have if the visitor had come back: an inbound chat request with no answer and no miss,
   * and each call requested in the session that has neither outcome in any of the visitor's
   * sessions, are counted as missed, on the page of the request.
   *
   * These missed metrics are only counted, never returned as events: their occurredAt would
   * be the session's last event plus a timeout the events do not record, so they carry no time.
   *
   * Pick an instant at least the tracker's `sessionTimeoutMs` (30 minutes by default) ago: a
   * visitor can stay active long after their last metric event. If a later answer arrives
   * anyway, the next aggregate counts it and no longer counts the miss.
   */
  closeSessionsBefore?: Date;
}

/** Counts indexed like METRICS, by orgId, then by repId or page ('' by org). */
type Tallies = Map<string, Map<string, number[]>>;

// Module functions, not closures made per call: V8 keeps their optimized code from one
// aggregate() to the next, where a new closure would throw it away.

/** One more of metric i in the row of (orgId, key); an event without the key counts nowhere. */
function add(tallies: Tallies, orgId: string, key: unknown, i: number) {
  if (typeof key !== 'string') return;
  // Nested maps look up the events' own strings (hash cached) instead of building a key per event.
  let byKey = tallies.get(orgId);
  if (!byKey) tallies.set(orgId, (byKey = new Map()));
  let n = byKey.get(key);
  if (!n) byKey.set(key, (n = METRICS.map(() => 0)));
  n[i]++;
}

/** Events per batch of lookups: enough to overlap their waits, few enough to stay in cache. */
const BATCH = 64;

/** The keys in code unit order, the same in every locale. */
const sorted = (map: Map<string, unknown>) => [...map.keys()].sort();

/**
 * Counts metric events into rows, sorted by orgId then repId or page (by code unit, the same
 * in every locale). Dedupes by (`orgId`, `id`), the first wins. What is not a metric event (not an
 * object, an unknown metric, no string `id` or `orgId`) is skipped, never thrown on; so are
 * events without a `repId` by rep and without a `page` by page. Any other `by` gives no rows.
 * An invalid `closeSessionsBefore` Date throws a RangeError (by org or page): there is no
 * instant to close at.
 */
export function aggregate<B extends Dimension>(
  events: readonly MetricEvent[],
  options: AggregateOptions<B>,
): RowsBy[B][] {
  const by: Dimension = options.by;
  // The event field rows group by, besides orgId; none by org.
  const field = by === 'rep' ? 'repId' : by === 'org' ? '' : (by as 'page');
  const index = new Map<string, number>();
  /** Whether metric i is counted in this dimension (undefined, so no, for i = -1). */
  const counted = METRICS.map((m, i) => (m.derived || index.set(m.name, i), m.dimensions.includes(by)));

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
  for (let from = 0; from < n; from += BATCH) {
    for (let j = from; j < from + BATCH; j++) {
      const e = events[j];
      // An unknown metric gives NaN, which the Uint8Array stores as 0.
      if (typeof e?.id === 'string' && typeof e.orgId === 'string') kept[j] = index.get(e.metric)! + 1;
      hashes[j % BATCH] = mix(mix(seed, e?.orgId), e?.id);
    }
    // Past the end of the last batch, kept[j] is undefined: neither looked up nor counted.
    for (let j = from; j < from + BATCH; j++) {
      if (kept[j] && firstOf(ids, events, j, hashes[j % BATCH], sameId) !== j) kept[j] = 0;
    }
    for (let j = from; j < from + BATCH; j++) {
      const i = kept[j] - 1;
      if (counted[i]) add(tallies, events[j].orgId, field && events[j][field], i);
    }
  }
  const before = options.closeSessionsBefore;
  // Missed metrics are not available by rep: closing sessions could not change a rep row.
  if (before && by !== 'rep') {
    // Each missed metric stands two after its request in METRICS, one after kept[j].
    for (const j of unansweredRequests(events, kept, before)) add(tallies, events[j].orgId, field && events[j].page, kept[j] + 1);
  }

  const rows = [];
  for (const orgId of sorted(tallies)) {
    const byKey = tallies.get(orgId)!;
    for (const key of sorted(byKey)) {
      const n = byKey.get(key)!;
      const counts: Record<string, number> = {};
      METRICS.forEach((m, i) => {
        // The derived ones come last, after what they sum.
        if (m.derived) for (const name of m.sum) n[i] += n[index.get(name)!];
        if (counted[i]) counts[m.name] = n[i];
      });
      rows.push({ orgId, ...(field && { [field]: key }), counts });
    }
  }
  return rows as unknown as RowsBy[B][];
}
