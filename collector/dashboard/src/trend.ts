// The trend of one metric per bucket: a uPlot chart drawn from columnar arrays, and beside it
// a plain table of the same numbers (a canvas is invisible to screen readers).
import uPlot from 'uplot';
import { METRIC_INFO, type MetricId } from './catalog';
import { h, setAttr, setText } from './dom';
import { chooseTicks, dayLabel, timeLabel, weekdayLabel } from './axis-ticks';
import { formatCount } from './format';
import type { Bucket } from './view-state';
import { zonedDate } from './zone';

export interface TrendPoint {
  /** The collector's bucket: local start with its offset. */
  bucket: string;
  value: number;
}

export interface TrendSetting {
  metric: MetricId;
  bucket: Bucket;
  zone: string;
}

const HEIGHT = 260;
/** Room one axis label needs, in CSS pixels. */
const LABEL_PX = 64;

/** "Tue 24 Nov 14:00 (+01:00)" for hours, "Tue 24 Nov" for days, "Week of 23 Nov" for weeks. */
export function bucketText(p: TrendPoint, bucket: Bucket, zone: string): string {
  const ms = Date.parse(p.bucket);
  const day = `${weekdayLabel(ms, zone)} ${dayLabel(ms, zone)} ${new Date(ms).toLocaleString('en-GB', { timeZone: zone, year: 'numeric' })}`;
  if (bucket === 'week') return `Week of ${day}`;
  if (bucket === 'day') return day;
  return `${day} ${timeLabel(ms, zone)} (${p.bucket.slice(19)})`;
}

export interface Trend {
  show(setting: TrendSetting, points: readonly TrendPoint[]): void;
}

export function buildTrend(chartHost: HTMLElement, table: HTMLTableElement, emptyNote: HTMLElement): Trend {
  let chart: uPlot | undefined;
  let chartKey = '';
  let starts: number[] = [];
  let current: TrendSetting | undefined;

  const caption = h('caption');
  const valueHead = h('th', { scope: 'col', class: 'num' });
  const tbody = h('tbody');
  table.append(caption, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Bucket start'), valueHead)), tbody);

  function ticks(u: uPlot) {
    const setting = current as TrendSetting;
    const width = u.bbox.width / devicePixelRatio;
    return chooseTicks(starts, setting.bucket, setting.zone, Math.floor(width / LABEL_PX));
  }

  function create(setting: TrendSetting, data: uPlot.AlignedData) {
    chart?.destroy();
    const label = METRIC_INFO[setting.metric].label;
    const opts: uPlot.Options = {
      width: Math.max(280, chartHost.clientWidth),
      height: HEIGHT,
      // The zone's wall clock for uPlot's own date handling; the axis and the legend below
      // format instants with Intl in the zone instead (see axis-ticks.ts).
      tzDate: (ts) => zonedDate(ts * 1000, setting.zone),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
      series: [
        { label: 'Bucket', value: (_u, v) => (v == null ? '–' : bucketText({ bucket: isoFor(v * 1000), value: 0 }, setting.bucket, setting.zone)) },
        { label, stroke: '#1d4f91', width: 2, fill: 'rgba(29, 79, 145, 0.10)', points: { show: true, size: 5 }, value: (_u, v) => (v == null ? '–' : formatCount(v)) },
      ],
      axes: [
        {
          stroke: '#333',
          grid: { stroke: '#e3e3e3' },
          ticks: { stroke: '#bbb' },
          splits: (u) => ticks(u).at.map((ms) => ms / 1000),
          values: (u) => ticks(u).labels,
          size: 48,
        },
        { stroke: '#333', grid: { stroke: '#e3e3e3' }, ticks: { stroke: '#bbb' }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')) },
      ],
    };
    chart = new uPlot(opts, data, chartHost);
  }

  // Formats a uPlot x value back to the collector's bucket string for the legend.
  const byStart = new Map<number, string>();
  const isoFor = (ms: number) => byStart.get(ms) ?? new Date(ms).toISOString().slice(0, 19) + '+00:00';

  new ResizeObserver(() => chart?.setSize({ width: Math.max(280, chartHost.clientWidth), height: HEIGHT })).observe(chartHost);

  return {
    show(setting, points) {
      current = setting;
      emptyNote.hidden = points.length > 0;
      chartHost.hidden = points.length === 0;
      starts = points.map((p) => Date.parse(p.bucket));
      byStart.clear();
      points.forEach((p, i) => byStart.set(starts[i], p.bucket));
      const data: uPlot.AlignedData = [starts.map((ms) => ms / 1000), points.map((p) => p.value)];
      const key = `${setting.metric}|${setting.bucket}|${setting.zone}`;
      if (!chart || key !== chartKey) create(setting, data);
      else chart.setData(data);
      chartKey = key;

      const label = METRIC_INFO[setting.metric].label;
      setText(caption, `${label} per ${setting.bucket} (${setting.zone})`);
      setText(valueHead, METRIC_INFO[setting.metric].short);
      // Rows by position: the same view refreshed keeps its rows and changes only numbers.
      points.forEach((p, i) => {
        let tr = tbody.children[i] as HTMLTableRowElement | undefined;
        if (!tr) {
          tr = h('tr', {}, h('th', { scope: 'row' }, h('time')), h('td', { class: 'num' }));
          tbody.append(tr);
        }
        const time = tr.querySelector('time') as HTMLTimeElement;
        setAttr(time, 'datetime', p.bucket);
        setText(time, bucketText(p, setting.bucket, setting.zone));
        setText(tr.children[1], formatCount(p.value));
      });
      while (tbody.children.length > points.length) tbody.lastElementChild?.remove();
    },
  };
}
