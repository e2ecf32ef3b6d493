// Where the trend's time axis puts its labels and what they say, in the chosen zone. uPlot
// 1.6.32 computes hour ticks by adding fixed steps to a wall time read through its `tzDate`
// date, which lands off the hour after a DST change (see README); here ticks are only ever
// bucket starts the collector gave, chosen by their local wall time, so they stay right.
import type { Bucket } from './view-state';
import { wallClock } from './zone';

export interface Ticks {
  /** Bucket starts, epoch ms. */
  at: number[];
  labels: string[];
}

const HOUR_STEPS = [1, 2, 3, 4, 6, 12];
const DAY_STEPS = [1, 2, 7, 14, 28, 56];
const WEEK_STEPS = [1, 2, 4, 8, 13, 26, 52];

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(zone: string, kind: 'day' | 'time' | 'weekday'): Intl.DateTimeFormat {
  const key = `${zone}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions =
      kind === 'day' ? { day: 'numeric', month: 'short' } : kind === 'time' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { weekday: 'short' };
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, ...opts });
    formatters.set(key, f);
  }
  return f;
}

/** "24 Nov" */
export const dayLabel = (ms: number, zone: string): string => fmt(zone, 'day').format(ms);
/** "14:00" */
export const timeLabel = (ms: number, zone: string): string => fmt(zone, 'time').format(ms);
/** "Tue" */
export const weekdayLabel = (ms: number, zone: string): string => fmt(zone, 'weekday').format(ms);

/** The label of one bucket as the axis shows it. */
export function tickLabel(ms: number, bucket: Bucket, zone: string, withDay: boolean): string {
  if (bucket !== 'hour') return dayLabel(ms, zone);
  return withDay ? `${dayLabel(ms, zone)}\n${timeLabel(ms, zone)}` : timeLabel(ms, zone);
}

/**
 * At most `maxLabels` ticks over the buckets: for hours, those whose local hour is a multiple
 * of 1, 2, 3, 4, 6 or 12 (then local midnights, every n days); for days and weeks, every n-th.
 */
export function chooseTicks(starts: readonly number[], bucket: Bucket, zone: string, maxLabels: number): Ticks {
  const max = Math.max(1, maxLabels);
  let picked: number[] = [];
  if (bucket === 'hour') {
    const hours = starts.map((ms) => wallClock(ms, zone));
    const step = HOUR_STEPS.find((k) => hours.filter((w) => w.minute === 0 && w.hour % k === 0).length <= max);
    if (step !== undefined) {
      // A wall hour seen twice (clocks going back) is labelled once, at its first bucket.
      const seen = new Set<string>();
      picked = starts.filter((_, i) => {
        const w = hours[i];
        const key = `${w.year}-${w.month}-${w.day}-${w.hour}`;
        if (w.minute !== 0 || w.hour % step !== 0 || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    } else {
      const midnights = starts.filter((_, i) => hours[i].hour === 0 && hours[i].minute === 0);
      const every = DAY_STEPS.find((k) => Math.ceil(midnights.length / k) <= max) ?? Math.ceil(midnights.length / max);
      picked = midnights.filter((_, i) => i % every === 0);
    }
  } else {
    const steps = bucket === 'day' ? DAY_STEPS : WEEK_STEPS;
    const every = steps.find((k) => Math.ceil(starts.length / k) <= max) ?? Math.ceil(starts.length / max);
    picked = starts.filter((_, i) => i % every === 0);
  }
  let lastDay = '';
  const labels = picked.map((ms) => {
    const w = wallClock(ms, zone);
    const day = `${w.year}-${w.month}-${w.day}`;
    const label = tickLabel(ms, bucket, zone, day !== lastDay);
    lastDay = day;
    return label;
  });
  return { at: picked, labels };
}
