// @vitest-environment node
// The dashboard's ranges and axis labels in zones with DST and odd offsets: what a lead sees
// as "today", "7 days" and the previous range, and where the trend's hour labels go.
import { describe, expect, it } from 'vitest';
import { chooseTicks } from '../../dashboard/src/axis-ticks';
import { computeRanges } from '../../dashboard/src/ranges';
import { instantOf, offsetMs, wallClock } from '../../dashboard/src/zone';

const iso = (ms: number) => new Date(ms).toISOString();

describe('local midnights', () => {
  it.each([
    ['Europe/Berlin', { year: 2026, month: 3, day: 29 }, '2026-03-28T23:00:00.000Z'],
    ['Europe/Berlin', { year: 2026, month: 3, day: 30 }, '2026-03-29T22:00:00.000Z'],
    ['America/New_York', { year: 2026, month: 11, day: 1 }, '2026-11-01T04:00:00.000Z'],
    ['America/New_York', { year: 2026, month: 11, day: 2 }, '2026-11-02T05:00:00.000Z'],
    ['Asia/Kathmandu', { year: 2026, month: 11, day: 24 }, '2026-11-23T18:15:00.000Z'],
    ['UTC', { year: 2026, month: 11, day: 24 }, '2026-11-24T00:00:00.000Z'],
  ])('%s %o starts at %s', (zone, day, expected) => expect(iso(instantOf(zone, day))).toBe(expected));

  it('a wall time skipped by the clocks going forward resolves to the end of the gap', () => {
    expect(iso(instantOf('Europe/Berlin', { year: 2026, month: 3, day: 29 }, 2, 30))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('a wall time seen twice as the clocks go back resolves to its first occurrence', () => {
    expect(iso(instantOf('Europe/Berlin', { year: 2026, month: 10, day: 25 }, 2, 30))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('offsets follow the zone at the instant', () => {
    expect(offsetMs(Date.parse('2026-07-01T12:00:00Z'), 'Europe/Berlin')).toBe(2 * 3600e3);
    expect(offsetMs(Date.parse('2026-12-01T12:00:00Z'), 'Asia/Kathmandu')).toBe(5.75 * 3600e3);
  });
});

describe('ranges in the chosen zone', () => {
  const now = Date.parse('2026-11-24T15:04:05.000Z'); // 16:04:05 in Berlin

  it('today is local midnight to now, compared with yesterday up to the same time', () => {
    const r = computeRanges({ range: 'today' }, 'Europe/Berlin', now);
    expect([iso(r.current.fromMs), iso(r.current.toMs)]).toEqual(['2026-11-23T23:00:00.000Z', '2026-11-24T15:04:05.000Z']);
    expect([iso(r.previous.fromMs), iso(r.previous.toMs)]).toEqual(['2026-11-22T23:00:00.000Z', '2026-11-23T15:04:05.000Z']);
  });

  it('7 days are the last 7 local days including today', () => {
    const r = computeRanges({ range: '7d' }, 'America/New_York', now);
    expect(iso(r.current.fromMs)).toBe('2026-11-18T05:00:00.000Z');
    expect(iso(r.previous.fromMs)).toBe('2026-11-11T05:00:00.000Z');
    expect(iso(r.previous.toMs)).toBe('2026-11-17T15:04:05.000Z');
  });

  it('30 days across a DST change start at a local midnight on both sides', () => {
    const r = computeRanges({ range: '30d' }, 'America/New_York', Date.parse('2026-11-10T12:00:00Z'));
    expect(iso(r.current.fromMs)).toBe('2026-10-12T04:00:00.000Z'); // EDT
    expect(wallClock(r.previous.fromMs, 'America/New_York')).toMatchObject({ month: 9, day: 12, hour: 0, minute: 0 });
  });

  it('a custom range is whole local days; the previous one as many days before it', () => {
    const r = computeRanges({ range: 'custom', from: { year: 2026, month: 3, day: 28 }, to: { year: 2026, month: 3, day: 29 } }, 'Europe/Berlin', now);
    expect([iso(r.current.fromMs), iso(r.current.toMs)]).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect([iso(r.previous.fromMs), iso(r.previous.toMs)]).toEqual(['2026-03-25T23:00:00.000Z', '2026-03-27T23:00:00.000Z']);
    expect(r.days).toBe(2);
  });

  it('a custom range given backwards is read forwards', () => {
    const r = computeRanges({ range: 'custom', from: { year: 2026, month: 11, day: 30 }, to: { year: 2026, month: 11, day: 1 } }, 'UTC', now);
    expect(r.days).toBe(30);
    expect(iso(r.current.fromMs)).toBe('2026-11-01T00:00:00.000Z');
  });
});

describe('hour labels of the trend on DST change days', () => {
  const hours = (fromIso: string, n: number) => Array.from({ length: n }, (_, i) => Date.parse(fromIso) + i * 3600e3);

  it('the spring-forward day in Berlin has 23 hours and no 02:00', () => {
    const t = chooseTicks(hours('2026-03-28T23:00:00Z', 23), 'hour', 'Europe/Berlin', 30);
    expect(t.labels.slice(0, 4)).toEqual(['29 Mar\n00:00', '01:00', '03:00', '04:00']);
    expect(t.labels).toHaveLength(23);
  });

  it('the fall-back day labels the repeated 02:00 once and keeps every later label on the hour', () => {
    const t = chooseTicks(hours('2026-10-24T22:00:00Z', 25), 'hour', 'Europe/Berlin', 30);
    expect(t.labels.slice(0, 5)).toEqual(['25 Oct\n00:00', '01:00', '02:00', '03:00', '04:00']);
    expect(t.labels.at(-1)).toBe('23:00');
  });

  it('fewer labels than hours keep to local multiples of the step', () => {
    const t = chooseTicks(hours('2026-11-01T04:00:00Z', 25), 'hour', 'America/New_York', 9);
    expect(t.labels).toEqual(['1 Nov\n00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00']);
  });

  it('in a +05:45 zone the labels are local whole hours', () => {
    const t = chooseTicks(hours('2026-11-23T18:15:00Z', 24), 'hour', 'Asia/Kathmandu', 5);
    expect(t.labels).toEqual(['24 Nov\n00:00', '06:00', '12:00', '18:00']);
  });
});
