// The chosen range in words, so the reader knows exactly which instants the numbers cover.
import { dayLabel, timeLabel, weekdayLabel } from './axis-ticks';
import type { Ranges, Span } from './ranges';

const at = (ms: number, zone: string) => `${weekdayLabel(ms, zone)} ${dayLabel(ms, zone)} ${timeLabel(ms, zone)}`;

/** "Mon 30 Nov 00:00 – Sun 6 Dec 15:04" (the end excluded). */
export const spanText = (s: Span, zone: string): string => `${at(s.fromMs, zone)} – ${at(s.toMs, zone)}`;

export function rangeText(r: Ranges, zone: string): string {
  return `${spanText(r.current, zone)} (${zone}), compared with ${spanText(r.previous, zone)}`;
}
