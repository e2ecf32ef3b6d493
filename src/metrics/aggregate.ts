// Metric events → metric tables, per org, rep or page (SPEC section 9). One pass; counts live
// in arrays indexed like METRICS and become objects once per row at the end, so a million
// events take well under a second (bench/aggregate.bench.mjs).
import type { MetricEvent } from '../metric-event';
import { trackSessions } from './close-sessions';
import { createFirstOf } from './keys';
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
   */
  closeSessionsBefore?: Date;
}

interface Tally {
  orgId: string;
  /** repId or page; '' by org. */
  key: string;
  /** Counts indexed like METRICS. */
  n: number[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** The event field each dimension groups by; org rows group by orgId alone. */
const FIELDS = { org: '', rep: 'repId', page: 'page' } as const;

/**
 * Counts metric events into rows, sorted by orgId then repId or page (by code unit, the same
 * in every locale). Dedupes by event `id`, the first wins. What is not a metric event (not an
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
  const field = FIELDS[by];
  const index = new Map<string, number>();
  METRICS.forEach((m, i) => m.derived || index.set(m.name, i));
  const counted = METRICS.map((m) => m.dimensions.includes(by));

  // Nested maps look up the events' own strings (hash cached) instead of building a key per event.
  const byOrg = new Map<string, Map<string, number[]>>();
  const tallies: Tally[] = [];
  const count = (orgId: string, key: string | undefined, i: number) => {
    if (!counted[i] || typeof key !== 'string') return;
    let byKey = byOrg.get(orgId);
    if (!byKey) byOrg.set(orgId, (byKey = new Map()));
    let n = byKey.get(key);
    if (!n) byKey.set(key, (n = METRICS.map(() => 0))), tallies.push({ orgId, key, n });
    n[i]++;
  };

  const firstWithId = createFirstOf(events.length, (k, j) => events[k].id === events[j].id);
  const before = options.closeSessionsBefore;
  // Missed metrics are not available by rep: closing sessions could not change a rep row.
  const sessions = before && by !== 'rep' ? trackSessions(events, before) : undefined;
  for (let j = 0; j < events.length; j++) {
    const e = events[j];
    if (typeof e?.id !== 'string' || typeof e.orgId !== 'string') continue;
    const i = index.get(e.metric);
    if (i === undefined || firstWithId(j, e.id) !== j) continue;
    count(e.orgId, field && e[field], i);
    sessions?.see(e, j);
  }
  sessions?.close((e, metric) => count(e.orgId, field && e.page, index.get(metric)!));

  return tallies
    .sort((a, b) => compare(a.orgId, b.orgId) || compare(a.key, b.key))
    .map(({ orgId, key, n }) => {
      const counts: Record<string, number> = {};
      METRICS.forEach((m, i) => {
        if (counted[i]) counts[m.name] = m.derived ? m.sum.reduce((sum, name) => sum + n[index.get(name)!], 0) : n[i];
      });
      return (field ? { orgId, [field]: key, counts } : { orgId, counts }) as unknown as RowsBy[B];
    });
}
