// Metric rows as CSV (RFC 4180): a header row, then one line per row. A cell a spreadsheet
// would take for a formula (= + - @ first) gets a leading ' so opening the export runs nothing.
import type { MetricRow } from '../query/spec.js';

function cell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `metrics`: the count columns, in order; `key`: repId or page, or none by org. */
export function toCsv(rows: readonly MetricRow[], key: 'repId' | 'page' | undefined, bucketed: boolean, metrics: readonly string[]): string {
  const header = ['orgId', ...(key ? [key] : []), ...(bucketed ? ['bucket'] : []), ...metrics];
  const lines = [header.map(cell).join(',')];
  for (const row of rows) {
    const cells: (string | number)[] = [row.orgId];
    if (key) cells.push(row[key] ?? '');
    if (bucketed) cells.push(row.bucket ?? '');
    for (const m of metrics) cells.push(row.counts[m] ?? 0);
    lines.push(cells.map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
