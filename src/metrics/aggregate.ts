// Metric events → metric tables, per org, rep or page (SPEC section 9). One pass, counts in
// arrays indexed like METRICS, objects built once per row at the end: 1M events stay fast.
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

/**
 * Counts metric events into rows, sorted by orgId then repId or page. Dedupes by event `id`
 * (the first wins) and skips what is not a metric event (no object, unknown metric, no `id`
 * or `orgId`) instead of throwing; by rep, events without `repId` make no row.
 */
export function aggregate<B extends Dimension>(
  events: readonly MetricEvent[],
  options: AggregateOptions<B>,
): RowsBy[B][] {
  const by: Dimension = options.by;
  if (by !== 'org' && by !== 'rep' && by !== 'page') {
    throw new TypeError(`aggregate: options.by must be 'org', 'rep' or 'page', got ${String(by)}`);
  }
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
  const beforeMs = options.closeSessionsBefore?.getTime();
  // Missed metrics are not available by rep, so closing sessions cannot change rep rows.
  const sessions = Number.isFinite(beforeMs) && by !== 'rep' ? trackSessions(events, beforeMs!) : undefined;
  for (let j = 0; j < events.length; j++) {
    const e = events[j];
    if (!e || typeof e !== 'object' || typeof e.id !== 'string' || !e.id || typeof e.orgId !== 'string') continue;
    const i = index.get(e.metric);
    if (i === undefined || firstWithId(j, e.id) !== j) continue;
    count(e.orgId, by === 'org' ? '' : by === 'rep' ? e.repId : e.page, i);
    sessions?.see(e, j);
  }
  sessions?.close((orgId, page, metric) => count(orgId, by === 'org' ? '' : page, index.get(metric)!));

  return tallies
    .sort((a, b) => compare(a.orgId, b.orgId) || compare(a.key, b.key))
    .map(({ orgId, key, n }) => {
      const counts: Record<string, number> = {};
      METRICS.forEach((m, i) => {
        if (counted[i]) counts[m.name] = m.derived ? m.sum.reduce((sum, name) => sum + n[index.get(name)!], 0) : n[i];
      });
      const row: Record<string, unknown> = { orgId };
      if (by !== 'org') row[by === 'rep' ? 'repId' : 'page'] = key;
      row.counts = counts;
      return row as unknown as RowsBy[B];
    });
}
