// @vitest-environment node
// aggregate() in time: from/to (half-open), calendar buckets in a time zone (weeks on Monday,
// DST days of 23 and 25 hours, a +05:45 zone), zero-filled tables, options that throw.
import { describe, expect, it } from 'vitest';
import { aggregate, zoneCalendar, type MetricEvent, type MetricName } from '../src/metrics/index';

let lastId = 0;
const ev = (metric: MetricName, occurredAt: string, fields: Partial<MetricEvent> = {}): MetricEvent => ({
  id: `t${++lastId}`,
  metric,
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: `s${lastId}`,
  page: '/pricing',
  occurredAt,
  ...fields,
});
const requested = (occurredAt: string, fields: Partial<MetricEvent> = {}) => ev('inbound_chat_requested', occurredAt, fields);
/** [bucket, inbound_chat_requested] of each row. */
const chats = (rows: { bucket?: string; counts: Record<string, number> }[]) => rows.map((r) => [r.bucket, r.counts.inbound_chat_requested]);

describe('aggregate: from and to', () => {
  const events = [requested('2026-11-23T23:59:59.999Z'), requested('2026-11-24T00:00:00.000Z'), requested('2026-11-24T12:00:00.000Z'), requested('2026-11-25T00:00:00.000Z')];

  it('counts [from, to): from included, to left out', () => {
    const [row] = aggregate(events, { by: 'org', from: '2026-11-24T00:00:00Z', to: new Date('2026-11-25T00:00:00Z') });
    expect(row.counts.inbound_chat_requested).toBe(2);
    expect(row).not.toHaveProperty('bucket');
  });

  it('takes either end alone', () => {
    expect(aggregate(events, { by: 'org', from: '2026-11-24T12:00:00Z' })[0].counts.inbound_chat_requested).toBe(2);
    expect(aggregate(events, { by: 'org', to: '2026-11-24T01:00:00+01:00' })[0].counts.inbound_chat_requested).toBe(1);
  });

  it('gives no row to a key with nothing in the range', () => {
    expect(aggregate(events, { by: 'org', from: '2027-01-01T00:00:00Z' })).toEqual([]);
  });
});

describe('aggregate: buckets', () => {
  it('by day in UTC, every day of [from, to) for each row key, zeros included', () => {
    const events = [requested('2026-11-24T10:00:00Z', { page: '/a' }), requested('2026-11-26T10:00:00Z', { page: '/b' })];
    const rows = aggregate(events, { by: 'page', bucket: 'day', from: '2026-11-24T00:00:00Z', to: '2026-11-27T00:00:00Z' });
    expect(rows.map((r) => [r.bucket, r.page, r.counts.inbound_chat_requested])).toEqual([
      ['2026-11-24T00:00:00+00:00', '/a', 1],
      ['2026-11-24T00:00:00+00:00', '/b', 0],
      ['2026-11-25T00:00:00+00:00', '/a', 0],
      ['2026-11-25T00:00:00+00:00', '/b', 0],
      ['2026-11-26T00:00:00+00:00', '/a', 0],
      ['2026-11-26T00:00:00+00:00', '/b', 1],
    ]);
  });

  it('without from and to, from the first to the last bucket with counts', () => {
    const events = [requested('2026-11-24T10:00:00Z'), requested('2026-11-24T11:30:00Z'), requested('2026-11-24T13:59:59Z')];
    expect(chats(aggregate(events, { by: 'org', bucket: 'hour' }))).toEqual([
      ['2026-11-24T10:00:00+00:00', 1],
      ['2026-11-24T11:00:00+00:00', 1],
      ['2026-11-24T12:00:00+00:00', 0],
      ['2026-11-24T13:00:00+00:00', 1],
    ]);
  });

  it('days begin at local midnight in tz', () => {
    // 23:30 UTC on the 24th is already the 25th in Berlin (+01:00 in November).
    const rows = aggregate([requested('2026-11-24T23:30:00Z')], { by: 'org', bucket: 'day', tz: 'Europe/Berlin' });
    expect(chats(rows)).toEqual([['2026-11-25T00:00:00+01:00', 1]]);
  });

  it('a DST change day in Berlin has 23 hours (spring) and 25 (autumn), labelled with the offset of its start', () => {
    const spring = [requested('2026-03-28T23:00:00Z'), requested('2026-03-29T21:59:59Z'), requested('2026-03-29T22:00:00Z')];
    expect(chats(aggregate(spring, { by: 'org', bucket: 'day', tz: 'Europe/Berlin' }))).toEqual([
      ['2026-03-29T00:00:00+01:00', 2],
      ['2026-03-30T00:00:00+02:00', 1],
    ]);
    const autumn = [requested('2026-10-24T22:00:00Z'), requested('2026-10-25T22:59:59Z'), requested('2026-10-25T23:00:00Z')];
    expect(chats(aggregate(autumn, { by: 'org', bucket: 'day', tz: 'Europe/Berlin' }))).toEqual([
      ['2026-10-25T00:00:00+02:00', 2],
      ['2026-10-26T00:00:00+01:00', 1],
    ]);
  });

  it('the repeated hour of an autumn DST night is two hour buckets', () => {
    const rows = aggregate([requested('2026-10-25T00:30:00Z'), requested('2026-10-25T01:30:00Z')], { by: 'org', bucket: 'hour', tz: 'Europe/Berlin' });
    expect(chats(rows)).toEqual([
      ['2026-10-25T02:00:00+02:00', 1],
      ['2026-10-25T02:00:00+01:00', 1],
    ]);
  });

  it('hours and days of a +05:45 zone start at a quarter past in UTC', () => {
    const events = [requested('2026-11-24T18:14:59Z'), requested('2026-11-24T18:15:00Z')];
    expect(chats(aggregate(events, { by: 'org', bucket: 'day', tz: 'Asia/Kathmandu' }))).toEqual([
      ['2026-11-24T00:00:00+05:45', 1],
      ['2026-11-25T00:00:00+05:45', 1],
    ]);
    expect(chats(aggregate(events, { by: 'org', bucket: 'hour', tz: 'Asia/Kathmandu' }))).toEqual([
      ['2026-11-24T23:00:00+05:45', 1],
      ['2026-11-25T00:00:00+05:45', 1],
    ]);
  });

  it('hours and days begin on the local hour where the offset is not whole quarter hours (Monrovia, 1971: -00:44:30)', () => {
    const events = [requested('1971-06-01T00:44:29Z'), requested('1971-06-01T00:44:30Z')];
    expect(chats(aggregate(events, { by: 'org', bucket: 'day', tz: 'Africa/Monrovia' }))).toEqual([
      ['1971-05-31T00:00:00-00:44', 1],
      ['1971-06-01T00:00:00-00:44', 1],
    ]);
    expect(chats(aggregate(events, { by: 'org', bucket: 'hour', tz: 'Africa/Monrovia' }))).toEqual([
      ['1971-05-31T23:00:00-00:44', 1],
      ['1971-06-01T00:00:00-00:44', 1],
    ]);
  });

  it('years 0 to 99 keep their own calendar (Date.UTC would read them as 19xx)', () => {
    // 15 March 0050 was a Tuesday (proleptic Gregorian); Berlin then ran on local mean time, +00:53:28.
    const events = [requested('0050-03-15T12:00:00Z'), requested('0050-05-15T12:00:00Z'), requested('0000-01-01T12:00:00Z')];
    expect(chats(aggregate(events.slice(0, 2), { by: 'org', bucket: 'month' }))).toEqual([
      ['0050-03-01T00:00:00+00:00', 1],
      ['0050-04-01T00:00:00+00:00', 0],
      ['0050-05-01T00:00:00+00:00', 1],
    ]);
    expect(chats(aggregate(events.slice(0, 1), { by: 'org', bucket: 'week', tz: 'Europe/Berlin' }))).toEqual([['0050-03-14T00:00:00+00:53', 1]]);
    expect(chats(aggregate(events.slice(2), { by: 'org', bucket: 'day' }))).toEqual([['0000-01-01T00:00:00+00:00', 1]]);
    // 1 January of the year 0 was a Saturday: its week began in the year -1.
    expect(chats(aggregate(events.slice(2), { by: 'org', bucket: 'week' }))).toEqual([['-000001-12-27T00:00:00+00:00', 1]]);
    // Days from the year 1 to today: past the bucket limit (they were counted from 1901).
    expect(() => aggregate([requested('2026-11-24T00:00:00Z')], { by: 'org', bucket: 'day', from: '0001-01-01T00:00:00Z' })).toThrow(/more than 100000 buckets/);
  });

  it('weeks start on Monday, months on the 1st', () => {
    // Sunday 29 November and Monday 30 November 2026.
    const events = [requested('2026-11-29T12:00:00Z'), requested('2026-11-30T12:00:00Z'), requested('2026-12-01T00:00:00Z')];
    expect(chats(aggregate(events, { by: 'org', bucket: 'week' }))).toEqual([
      ['2026-11-23T00:00:00+00:00', 1],
      ['2026-11-30T00:00:00+00:00', 2],
    ]);
    expect(chats(aggregate(events, { by: 'org', bucket: 'month' }))).toEqual([
      ['2026-11-01T00:00:00+00:00', 2],
      ['2026-12-01T00:00:00+00:00', 1],
    ]);
  });

  it('a bucket begun before from is labelled with its start and counts only what lies in the range', () => {
    const events = [requested('2026-11-24T01:00:00Z'), requested('2026-11-24T13:00:00Z')];
    expect(chats(aggregate(events, { by: 'org', bucket: 'day', from: '2026-11-24T12:00:00Z' }))).toEqual([['2026-11-24T00:00:00+00:00', 1]]);
  });

  it('sorts by org, then bucket, then key', () => {
    const events = [requested('2026-11-25T10:00:00Z', { orgId: 'b', page: '/x' }), requested('2026-11-24T10:00:00Z', { orgId: 'a', page: '/z' }), requested('2026-11-24T11:00:00Z', { orgId: 'a', page: '/y' })];
    const rows = aggregate(events, { by: 'page', bucket: 'day' });
    expect(rows.map((r) => [r.orgId, r.bucket?.slice(0, 10), r.page])).toEqual([
      ['a', '2026-11-24', '/y'],
      ['a', '2026-11-24', '/z'],
      ['a', '2026-11-25', '/y'],
      ['a', '2026-11-25', '/z'],
      ['b', '2026-11-24', '/x'],
      ['b', '2026-11-25', '/x'],
    ]);
  });
});

describe('aggregate: a miss found by closeSessionsBefore', () => {
  const close = new Date('2026-11-26T00:00:00Z');

  it('falls at its request’s time', () => {
    const events = [requested('2026-11-24T10:00:00Z', { sessionId: 'a' })];
    const rows = aggregate(events, { by: 'org', bucket: 'day', closeSessionsBefore: close });
    expect(rows.map((r) => [r.bucket, r.counts.inbound_chat_missed])).toEqual([['2026-11-24T00:00:00+00:00', 1]]);
    expect(aggregate(events, { by: 'org', from: '2026-11-25T00:00:00Z', closeSessionsBefore: close })).toEqual([]);
  });

  it('is not counted when the answer came after `to`: closing sees every event given', () => {
    const events = [requested('2026-11-24T10:00:00Z', { sessionId: 'a' }), ev('inbound_chat_answered', '2026-11-24T10:05:00Z', { sessionId: 'a', repId: 'r' })];
    const [row] = aggregate(events, { by: 'org', to: '2026-11-24T10:01:00Z', closeSessionsBefore: close });
    expect([row.counts.inbound_chat_requested, row.counts.inbound_chat_answered, row.counts.inbound_chat_missed]).toEqual([1, 0, 0]);
  });

  it('is owed by the earliest request of the session, whatever the order given', () => {
    const later = requested('2026-11-24T11:00:00Z', { sessionId: 'a', page: '/later' });
    const earlier = requested('2026-11-24T10:00:00Z', { sessionId: 'a', page: '/earlier' });
    const rows = aggregate([later, earlier], { by: 'page', closeSessionsBefore: close });
    expect(rows.map((r) => [r.page, r.counts.inbound_chat_missed])).toEqual([
      ['/earlier', 1],
      ['/later', 0],
    ]);
  });
});

describe('aggregate: option values that mean nothing throw a TypeError naming the option', () => {
  const events = [requested('2026-11-24T10:00:00Z')];
  it.each<[string, Record<string, unknown>]>([
    ['by', { by: 'team' }],
    ['by', { by: 'team', closeSessionsBefore: new Date() }],
    ['bucket', { by: 'org', bucket: 'fortnight' }],
    ['tz', { by: 'org', tz: 'Mars/Olympus' }],
    ['tz', { by: 'org', tz: '' }],
    ['from', { by: 'org', from: 'yesterday' }],
    ['from', { by: 'org', from: new Date(NaN) }],
    ['to', { by: 'org', to: '2026-11-24' }],
    ['to', { by: 'org', to: 1764000000000 }],
    ['from', { by: 'org', from: '2026-11-25T00:00:00Z', to: '2026-11-24T00:00:00Z' }],
    ['closeSessionsBefore', { by: 'org', closeSessionsBefore: '2026-11-24T00:00:00Z' }],
  ])('%s: %j', (option, options) => {
    expect(() => aggregate(events, options as never)).toThrow(TypeError);
    expect(() => aggregate(events, options as never)).toThrow(new RegExp(`\\b${option}\\b`));
  });
});

describe('zoneCalendar', () => {
  it('labels without milliseconds, with the offset at that instant, never Z', () => {
    expect(zoneCalendar('day', 'UTC').label(Date.parse('2026-11-24T00:00:00.000Z'))).toBe('2026-11-24T00:00:00+00:00');
    expect(zoneCalendar('hour', 'America/St_Johns').label(Date.parse('2026-11-24T03:30:00.000Z'))).toBe('2026-11-24T00:00:00-03:30');
  });
});
