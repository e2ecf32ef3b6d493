// @vitest-environment node
// The units the DuckDB store joins events to their buckets with: every instant of the range
// gets the bucket a search through the starts would give, in zones with odd offsets and
// 30-minute DST shifts, and a range of centuries stays a table about as long as its buckets.
import { bucketStarts, zoneCalendar } from 'engage-tracker/metrics';
import { describe, expect, it } from 'vitest';
import { bucketUnits } from '../src/query/bucket-units.js';
import { seededRandom } from './support/histories.js';

/** The bucket of `t` as the units give it: what metrics.sql computes. */
function viaUnits(units: ReturnType<typeof bucketUnits>, t: number) {
  const n = Math.floor((t - units.originMs) / units.unitMs);
  const boundary = units.boundary[n];
  return boundary !== null && t >= boundary ? boundary : units.bucketAt[n];
}
/** The last start at or before `t`. */
const viaSearch = (starts: number[], t: number) => starts.filter((s) => s <= t).at(-1);

const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham'];
const BUCKETS = ['hour', 'day', 'week', 'month'] as const;

describe('bucket units', () => {
  for (const tz of ZONES) {
    it(`put every instant in its bucket, in ${tz}, in every bucket size`, () => {
      const r = seededRandom(tz.length);
      for (const bucket of BUCKETS) {
        const calendar = zoneCalendar(bucket, tz);
        const first = Date.parse('2025-01-01T00:00:00Z') + r.int(400) * 86_400_000;
        const starts = bucketStarts(calendar, first, first + 400 * 86_400_000);
        const end = calendar.next(starts.at(-1)!);
        const units = bucketUnits(starts, end);
        const instants = [...starts, ...starts.map((s) => s - 1), ...Array.from({ length: 2_000 }, () => starts[0] + r.int(end - starts[0]))];
        for (const t of instants.filter((t) => t >= starts[0] && t < end)) expect(viaUnits(units, t), `${bucket} ${new Date(t).toISOString()}`).toBe(viaSearch(starts, t));
      }
    });
  }

  it('stay about as many as the buckets over a range of centuries', () => {
    const calendar = zoneCalendar('day', 'Europe/Berlin');
    const starts = bucketStarts(calendar, Date.parse('1800-01-01T00:00:00Z'), Date.parse('2026-12-06T00:00:00Z'), 100_000);
    const units = bucketUnits(starts, calendar.next(starts.at(-1)!));
    expect(units.bucketAt.length).toBeLessThanOrEqual(starts.length * 1.1);
  });

  it('take one unit for one bucket', () => {
    expect(bucketUnits([1_000], 5_000)).toEqual({ originMs: 1_000, unitMs: 4_000, bucketAt: [1_000], boundary: [null] });
  });
});
