// The controls above the numbers: filled once, set from the view, and read back into a new
// view when one of them changes.
import { ALL_METRICS, METRIC_INFO, isMetricId } from './catalog';
import { h } from './dom';
import { computeRanges, type RangePreset, type Ranges } from './ranges';
import { defaultBucket, type Bucket, type View } from './view-state';
import { browserZone, formatLocalDate, parseLocalDate } from './zone';

export interface Controls {
  range: HTMLSelectElement;
  custom: HTMLElement;
  from: HTMLInputElement;
  to: HTMLInputElement;
  tz: HTMLSelectElement;
  bucket: HTMLSelectElement;
  org: HTMLSelectElement;
  metric: HTMLSelectElement;
}

export function fillControls(c: Controls, view: View): void {
  const zones = new Set([browserZone(), 'UTC', ...(Intl.supportedValuesOf?.('timeZone') ?? []), view.tz]);
  c.tz.append(...[...zones].map((z) => h('option', { value: z }, z === browserZone() ? `${z} (this browser)` : z)));
  c.metric.append(...ALL_METRICS.map((id) => h('option', { value: id }, METRIC_INFO[id].label)));
}

export function syncControls(c: Controls, view: View, ranges: Ranges): void {
  c.range.value = view.range;
  c.custom.hidden = view.range !== 'custom';
  c.from.value = formatLocalDate(ranges.firstDay);
  c.to.value = formatLocalDate(ranges.lastDay);
  c.tz.value = view.tz;
  c.bucket.value = view.bucket;
  c.metric.value = view.metric;
  if (view.org) c.org.value = view.org;
}

/** The view after `target` changed; undefined when the change says nothing yet (half a date). */
export function viewAfterChange(c: Controls, target: EventTarget | null, view: View, nowMs: number): View | undefined {
  if (target === c.range) {
    const range = c.range.value as RangePreset;
    // A bucket the reader chose stays; the default follows the range (hours for today).
    const bucket: Bucket = view.bucket === defaultBucket(view.range) ? defaultBucket(range) : view.bucket;
    if (range !== 'custom') return { ...view, range, bucket, from: undefined, to: undefined };
    const shown = computeRanges(view, view.tz, nowMs); // custom starts from the days shown
    return { ...view, range, bucket, from: shown.firstDay, to: shown.lastDay };
  }
  if (target === c.from || target === c.to) {
    const from = parseLocalDate(c.from.value);
    const to = parseLocalDate(c.to.value);
    return from && to ? { ...view, range: 'custom', from, to } : undefined;
  }
  if (target === c.tz) return { ...view, tz: c.tz.value };
  if (target === c.bucket) return { ...view, bucket: c.bucket.value as Bucket };
  if (target === c.metric && isMetricId(c.metric.value)) return { ...view, metric: c.metric.value };
  if (target === c.org) return { ...view, org: c.org.value };
  return undefined;
}
