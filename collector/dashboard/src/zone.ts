// Wall-clock arithmetic in an IANA time zone with nothing but Intl: the parts of an instant
// in a zone, and the instant of a zone's local date-time (DST gaps and overlaps included).

export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A local calendar date, month 1..12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatIn(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

/** The browser's own zone, UTC when it cannot tell. */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function wallClock(epochMs: number, zone: string): WallClock {
  const out: Record<string, number> = {};
  for (const p of formatIn(zone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return { year: out.year, month: out.month, day: out.day, hour: out.hour % 24, minute: out.minute, second: out.second };
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms (+01:00 → 3,600,000). */
export function offsetMs(epochMs: number, zone: string): number {
  const w = wallClock(epochMs, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * The first instant whose wall clock in `zone` reads the given local time or later: the
 * earlier of two instants in an overlap (clocks going back), the end of the gap when the
 * time does not exist (clocks going forward over it).
 */
export function instantOf(zone: string, d: LocalDate, hour = 0, minute = 0): number {
  const wall = Date.UTC(d.year, d.month - 1, d.day, hour, minute);
  // Offsets a day either side bracket any change of offset near the wall time.
  const candidates = new Set([offsetMs(wall - 864e5, zone), offsetMs(wall, zone), offsetMs(wall + 864e5, zone)]);
  let best = Infinity;
  for (const off of candidates) {
    const t = wall - off;
    if (offsetMs(t, zone) === off && t < best) best = t;
  }
  if (best !== Infinity) return best;
  // In a gap: search the instant where the new offset starts, between the two readings.
  let lo = Math.min(...[...candidates].map((off) => wall - off));
  let hi = Math.max(...[...candidates].map((off) => wall - off));
  const startOff = offsetMs(lo, zone);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetMs(mid, zone) === startOff) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function localDateOf(epochMs: number, zone: string): LocalDate {
  const { year, month, day } = wallClock(epochMs, zone);
  return { year, month, day };
}

/** The date `days` calendar days after `d` (negative: before). */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Calendar days from a to b (b later: positive). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 864e5);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** "2026-11-24" */
export function formatLocalDate(d: LocalDate): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** "2026-11-24" → a date; undefined for anything that is not a real calendar date. */
export function parseLocalDate(text: string): LocalDate | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const back = addDays(d, 0);
  return back.year === d.year && back.month === d.month && back.day === d.day ? d : undefined;
}

/**
 * A Date whose *browser-local* fields read the zone's wall clock at that instant: what uPlot's
 * `tzDate` option expects. Built from the parts with the Date constructor (not by parsing a
 * formatted string, as uPlot's own helper does), so no locale format is involved.
 */
export function zonedDate(epochMs: number, zone: string): Date {
  const w = wallClock(epochMs, zone);
  return new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}
