// The chosen range as instants, computed in the chosen zone: today is local midnight to now,
// 7 and 30 days are the last local days including today, custom is whole local days. The
// previous range is the same range moved back by its number of local days, so "today" is
// compared with yesterday up to the same time of day.
import { addDays, daysBetween, instantOf, localDateOf, wallClock, type LocalDate } from './zone';

export type RangePreset = 'today' | '7d' | '30d' | 'custom';

export const PRESET_DAYS: Readonly<Record<Exclude<RangePreset, 'custom'>, number>> = { today: 1, '7d': 7, '30d': 30 };

/** A half-open span of instants [fromMs, toMs). */
export interface Span {
  fromMs: number;
  toMs: number;
}

export interface Ranges {
  current: Span;
  previous: Span;
  /** The local days the range covers, first and last included. */
  firstDay: LocalDate;
  lastDay: LocalDate;
  days: number;
}

export interface RangeChoice {
  range: RangePreset;
  /** Custom ranges: first and last local day, both included. */
  from?: LocalDate;
  to?: LocalDate;
}

/** The instant with the wall time of `nowMs` on a day `days` days earlier. */
function sameTimeDaysBefore(nowMs: number, days: number, zone: string): number {
  const w = wallClock(nowMs, zone);
  const day = addDays({ year: w.year, month: w.month, day: w.day }, -days);
  return instantOf(zone, day, w.hour, w.minute) + w.second * 1000 + (nowMs % 1000);
}

export function computeRanges(choice: RangeChoice, zone: string, nowMs: number): Ranges {
  if (choice.range === 'custom' && choice.from && choice.to) {
    const [firstDay, lastDay] = daysBetween(choice.from, choice.to) >= 0 ? [choice.from, choice.to] : [choice.to, choice.from];
    const days = daysBetween(firstDay, lastDay) + 1;
    return {
      firstDay,
      lastDay,
      days,
      current: { fromMs: instantOf(zone, firstDay), toMs: instantOf(zone, addDays(lastDay, 1)) },
      previous: { fromMs: instantOf(zone, addDays(firstDay, -days)), toMs: instantOf(zone, firstDay) },
    };
  }
  const days = choice.range === 'custom' ? PRESET_DAYS['7d'] : PRESET_DAYS[choice.range];
  const lastDay = localDateOf(nowMs, zone);
  const firstDay = addDays(lastDay, -(days - 1));
  return {
    firstDay,
    lastDay,
    days,
    current: { fromMs: instantOf(zone, firstDay), toMs: nowMs },
    previous: { fromMs: instantOf(zone, addDays(firstDay, -days)), toMs: sameTimeDaysBefore(nowMs, days, zone) },
  };
}
