// Calendar buckets in a time zone: where an hour, day, Monday-week or month begins, as an
// instant, and its label. Shared by aggregate() and the collector (which lets SQL find each
// event's bucket, then labels and fills the buckets with these), so both agree to the
// millisecond. Intl is the only source of offsets; a cache per quarter hour keeps a million
// events cheap.

export type Bucket = 'none' | 'hour' | 'day' | 'week' | 'month';
export const BUCKETS: readonly Bucket[] = ['none', 'hour', 'day', 'week', 'month'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUARTER = HOUR / 4;
/** From a bucket's start, an instant inside the next bucket and never past it (DST days are 23 to 25 h). */
const INTO_NEXT: Record<Exclude<Bucket, 'none'>, number> = { hour: HOUR, day: 30 * HOUR, week: 7.5 * DAY, month: 32 * DAY };

/** 400 Gregorian years: the calendar repeats after them, weekdays included. */
const GREGORIAN_CYCLE = 146_097 * DAY;
/** 0100-01-01T00:00Z: Date.UTC reads a year below 100 as 19xx. */
const YEAR_100 = Date.UTC(100, 0);

/** Whether Intl knows the zone; throws for none but a string. */
export function isTimeZone(tz: string): boolean {
  try {
    return tz !== '' && !!new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
}

/** The local calendar of one zone: wall-clock parts and bucket starts of instants (epoch ms). */
export interface ZoneCalendar {
  /** The start of the bucket holding instant `t`. */
  start(t: number): number;
  /** The start of the bucket after the one starting at `s`. */
  next(s: number): number;
  /** `YYYY-MM-DDTHH:mm:ss+hh:mm`: the local time at `t` with the zone's offset then. */
  label(t: number): string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function zoneCalendar(bucket: Exclude<Bucket, 'none'>, tz: string): ZoneCalendar {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** The wall clock at `t`, read as if it were UTC: local - t is the offset. */
  const local = (t: number) => {
    // Before the year 100, read 400 years (or a multiple) later, where Date.UTC takes the year
    // as given: zones had one fixed offset then (local mean time), so the wall clock shifts back.
    const shift = t < YEAR_100 ? Math.ceil((YEAR_100 - t) / GREGORIAN_CYCLE) * GREGORIAN_CYCLE : 0;
    const p: Record<string, number> = {};
    for (const { type, value } of format.formatToParts(t + shift)) p[type] = +value;
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (((t % 1000) + 1000) % 1000) - shift;
  };
  /** The instant whose wall clock reads `wall` (for a wall time skipped by DST, the one after the gap). */
  const instantOf = (wall: number) => {
    let t = wall - (local(wall) - wall);
    t = wall - (local(t) - t);
    return t;
  };
  const exactStart = (t: number) => {
    const wall = local(t);
    if (bucket === 'hour') return t - (((wall % HOUR) + HOUR) % HOUR);
    const d = new Date(wall - (((wall % DAY) + DAY) % DAY));
    if (bucket === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    if (bucket === 'month') d.setUTCDate(1);
    return instantOf(+d);
  };
  // Per quarter hour: the start of the bucket holding its first instant, and of the next one
  // (one pair per bucket, shared by its quarters). A bucket may begin inside a quarter hour
  // where the zone's offset is not whole quarter hours (local mean time, kept into the 1970s
  // in places: Monrovia -0:44:30).
  const cache = new Map<number, [number, number]>();
  const byStart = new Map<number, [number, number]>();
  const start = (t: number) => {
    const q = Math.floor(t / QUARTER);
    let c = cache.get(q);
    if (!c) {
      // The caches only hold what queries touch.
      if (cache.size > 100_000) cache.clear(), byStart.clear();
      const s = exactStart(q * QUARTER);
      c = byStart.get(s);
      if (!c) byStart.set(s, (c = [s, exactStart(s + INTO_NEXT[bucket])]));
      cache.set(q, c);
    }
    return t < c[1] ? c[0] : c[1];
  };
  return {
    start,
    next: (s) => start(s + INTO_NEXT[bucket]),
    label(t) {
      const wall = local(t);
      const offset = Math.round((wall - t) / 60_000);
      const d = new Date(wall);
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const year = d.getUTCFullYear();
      return (
        // Before the year 0 (a week bucket may begin there): ISO 8601's signed six digits.
        `${year < 0 ? '-' + pad(-year, 6) : pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
        `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
      );
    },
  };
}

/**
 * The bucket starts of a table: from `first`'s bucket while below `end` (exclusive), for
 * `from`/`to` or the first and last event. Throws a RangeError past `max` buckets.
 */
export function bucketStarts(calendar: ZoneCalendar, first: number, end: number, max = 100_000): number[] {
  const starts: number[] = [];
  for (let s = calendar.start(first); s < end; s = calendar.next(s)) {
    if (starts.push(s) > max) throw new RangeError(`more than ${max} buckets: choose a larger bucket or a shorter range`);
  }
  return starts;
}
