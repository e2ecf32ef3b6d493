// A table sortable by any column: each heading is a button, the sorted one carries aria-sort.
// Rows are keyed and reused, so a refresh changes only the cells whose numbers changed and
// keeps the sort and the keyboard focus where they were.
import { h, setAttr, setText } from './dom';
import type { Sort, SortDirection } from './view-state';

export interface Column<R> {
  key: string;
  label: string;
  /** Full text for the heading's tooltip, when the label is short. */
  title?: string;
  numeric: boolean;
  value(row: R): number | string;
  /** Shown text; defaults to the value. */
  text?(row: R): string;
  /** Hover text of the cell (the full page path when the text is shortened). */
  hover?(row: R): string | undefined;
}

export interface SortableTable<R> {
  update(rows: readonly R[]): void;
  setSort(sort: Sort): void;
}

export interface TableOptions<R> {
  table: HTMLTableElement;
  caption: string;
  /** The first column names the row (a <th scope="row">). */
  columns: readonly Column<R>[];
  keyOf(row: R): string;
  sort: Sort;
  empty: string;
  onSort(sort: Sort): void;
}

/** Numbers and names in a fixed order (code units, not the browser's locale), ties by key. */
export function compareRows<R>(column: Column<R>, direction: SortDirection, keyOf: (r: R) => string) {
  const sign = direction === 'ascending' ? 1 : -1;
  return (a: R, b: R): number => {
    const va = column.value(a);
    const vb = column.value(b);
    const byValue = va < vb ? -1 : va > vb ? 1 : 0;
    if (byValue !== 0) return sign * byValue;
    const ka = keyOf(a);
    const kb = keyOf(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

export function createSortableTable<R>(o: TableOptions<R>): SortableTable<R> {
  let sort = o.columns.some((c) => c.key === o.sort.column) ? o.sort : { column: o.columns[0].key, direction: 'ascending' as const };
  let rows: readonly R[] = [];
  const heads = new Map<string, HTMLTableCellElement>();
  const headRow = h('tr');
  for (const col of o.columns) {
    const arrow = h('span', { class: 'sort-arrow', 'aria-hidden': 'true' });
    const button = h('button', { type: 'button', title: col.title }, col.label, arrow);
    button.addEventListener('click', () => {
      const direction: SortDirection =
        sort.column === col.key ? (sort.direction === 'ascending' ? 'descending' : 'ascending') : col.numeric ? 'descending' : 'ascending';
      sort = { column: col.key, direction };
      render();
      o.onSort(sort);
    });
    const th = h('th', { scope: 'col', class: col.numeric ? 'num' : undefined }, button);
    heads.set(col.key, th);
    headRow.append(th);
  }
  const tbody = h('tbody');
  const emptyRow = h('tr', { class: 'empty-row' }, h('td', { colspan: String(o.columns.length) }, o.empty));
  o.table.append(h('caption', {}, o.caption), h('thead', {}, headRow), tbody);
  const rowNodes = new Map<string, HTMLTableRowElement>();

  function cellsOf(tr: HTMLTableRowElement, row: R) {
    o.columns.forEach((col, i) => {
      const cell = tr.children[i] as HTMLElement;
      setText(cell, col.text ? col.text(row) : String(col.value(row)));
      setAttr(cell, 'title', col.hover?.(row));
    });
  }

  function render() {
    for (const [key, th] of heads) {
      const on = key === sort.column;
      setAttr(th, 'aria-sort', on ? sort.direction : undefined);
      setText(th.querySelector('.sort-arrow') as HTMLElement, on ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : '');
    }
    const column = o.columns.find((c) => c.key === sort.column) ?? o.columns[0];
    const ordered = [...rows].sort(compareRows(column, sort.direction, o.keyOf));
    const seen = new Set<string>();
    const wanted: HTMLTableRowElement[] = [];
    for (const row of ordered) {
      const key = o.keyOf(row);
      seen.add(key);
      let tr = rowNodes.get(key);
      if (!tr) {
        tr = h('tr', {}, ...o.columns.map((col, i) => (i === 0 ? h('th', { scope: 'row' }) : h('td', { class: col.numeric ? 'num' : undefined }))));
        rowNodes.set(key, tr);
      }
      cellsOf(tr, row);
      wanted.push(tr);
    }
    for (const [key, tr] of rowNodes) {
      if (!seen.has(key)) {
        tr.remove();
        rowNodes.delete(key);
      }
    }
    if (wanted.length === 0) wanted.push(emptyRow);
    // Move only what is out of place: unchanged rows are not touched at all.
    wanted.forEach((tr, i) => {
      if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
    });
    while (tbody.children.length > wanted.length) tbody.lastElementChild?.remove();
  }

  return {
    update(next) {
      rows = next;
      render();
    },
    setSort(next) {
      if (o.columns.some((c) => c.key === next.column)) sort = next;
      render();
    },
  };
}
