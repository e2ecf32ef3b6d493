// The rep leaderboard (the metrics available for individual users) and the page table (every
// metric): names as sent, shown as text; long paths shortened with the full path on hover.
import type { MetricsRow } from './api';
import { ALL_METRICS, METRIC_INFO, REP_METRICS, type MetricId } from './catalog';
import { formatCount, shortenPath } from './format';
import { createSortableTable, type Column, type SortableTable } from './sortable-table';
import type { Sort } from './view-state';

export type RepRow = MetricsRow & { repId: string };
export type PageRow = MetricsRow & { page: string };

const countOf = (id: MetricId) => (r: MetricsRow) => r.counts[id] ?? 0;
const countColumns = <R extends MetricsRow>(ids: readonly MetricId[]): Column<R>[] =>
  ids.map((id) => ({ key: id, label: METRIC_INFO[id].short, title: METRIC_INFO[id].label, numeric: true, value: countOf(id), text: (r) => formatCount(countOf(id)(r)) }));

export function buildRepTable(table: HTMLTableElement, sort: Sort, onSort: (s: Sort) => void): SortableTable<RepRow> {
  return createSortableTable<RepRow>({
    table,
    caption: 'Reps, by the metrics available for individual users',
    columns: [{ key: 'rep', label: 'Rep', numeric: false, value: (r) => r.repId }, ...countColumns<RepRow>(REP_METRICS)],
    keyOf: (r) => r.repId,
    sort,
    empty: 'No rep activity in this range.',
    onSort,
  });
}

export function buildPageTable(table: HTMLTableElement, sort: Sort, onSort: (s: Sort) => void): SortableTable<PageRow> {
  return createSortableTable<PageRow>({
    table,
    caption: 'Pages, by every metric',
    columns: [
      { key: 'page', label: 'Page', numeric: false, value: (r) => r.page, text: (r) => shortenPath(r.page), hover: (r) => (shortenPath(r.page) === r.page ? undefined : r.page) },
      ...countColumns<PageRow>(ALL_METRICS),
    ],
    keyOf: (r) => r.page,
    sort,
    empty: 'No page activity in this range.',
    onSort,
  });
}
