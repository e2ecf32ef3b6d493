// Written from SPEC.md alone, through the public API: aggregate() rows by org / rep / page, with several orgs, reps and pages.
import { describe, expect, it } from 'vitest';
import { aggregate, METRICS } from '../src/metrics/index';
import type { MetricEvent, MetricName } from '../src/index';

let n = 0;
const e = (metric: MetricName, orgId: string, page: string, repId?: string, extra: Partial<MetricEvent> = {}): MetricEvent => ({
  id: `id-${++n}`, metric, orgId, visitorId: 'v', sessionId: 's' + n, page, occurredAt: '2026-11-24T15:00:00.000Z',
  ...(repId ? { repId } : {}), ...extra,
});

const ALL12 = [
  'proactive_call_attempted', 'proactive_call_accepted', 'inbound_call_requested', 'inbound_call_answered', 'inbound_call_missed',
  'proactive_chat_attempted', 'proactive_chat_accepted', 'inbound_chat_requested', 'inbound_chat_answered', 'inbound_chat_missed',
  'calls_held', 'chats_held',
];
const TEAM = ['inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'];

function fixture(): MetricEvent[] {
  const ev: MetricEvent[] = [
    e('proactive_call_attempted', 'org_b', '/x', 'r2'),
    e('proactive_call_attempted', 'org_a', '/pricing', 'r1'),
    e('proactive_call_attempted', 'org_a', '/home', 'r2'),
    e('proactive_call_accepted', 'org_a', '/home', 'r2'),
    e('inbound_call_requested', 'org_a', '/pricing'),
    e('inbound_call_answered', 'org_a', '/pricing', 'r1'),
    e('inbound_call_requested', 'org_a', '/home'),
    e('inbound_call_missed', 'org_a', '/home', undefined, { reason: 'timeout' }),
    e('proactive_chat_attempted', 'org_a', '/home', 'r1'),
    e('proactive_chat_accepted', 'org_a', '/home', 'r1'),
    e('inbound_chat_requested', 'org_a', '/pricing'),
    e('inbound_chat_answered', 'org_a', '/pricing', 'r3'),
    e('inbound_chat_requested', 'org_a', '/blog'),
    e('inbound_chat_missed', 'org_a', '/blog', undefined, { reason: 'session_end' }),
    e('inbound_chat_answered', 'org_b', '/x', 'r1'),
  ];
  return [...ev, { ...ev[1] }, { ...ev[5] }]; // duplicates by id
}

describe('spec aggregate', () => {
  it('by org: one row per org sorted, all twelve keys, derived sums, deduped', () => {
    const rows = aggregate(fixture(), { by: 'org' });
    expect(rows.map((r) => r.orgId)).toEqual(['org_a', 'org_b']);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['counts', 'orgId']);
      expect(Object.keys(r.counts).sort()).toEqual([...ALL12].sort());
    }
    const a = rows[0].counts;
    expect(a).toEqual({
      proactive_call_attempted: 2, proactive_call_accepted: 1, inbound_call_requested: 2, inbound_call_answered: 1, inbound_call_missed: 1,
      proactive_chat_attempted: 1, proactive_chat_accepted: 1, inbound_chat_requested: 2, inbound_chat_answered: 1, inbound_chat_missed: 1,
      calls_held: 3, chats_held: 2,
    });
    expect(rows[1].counts.calls_held).toBe(1);
    expect(rows[1].counts.chats_held).toBe(1);
    expect(rows[1].counts.inbound_chat_missed).toBe(0);
  });

  it('by rep: rows per (org, rep) sorted, team metrics left out, held sums per rep', () => {
    const rows = aggregate(fixture(), { by: 'rep' });
    expect(rows.map((r) => [r.orgId, r.repId])).toEqual([['org_a', 'r1'], ['org_a', 'r2'], ['org_a', 'r3'], ['org_b', 'r1'], ['org_b', 'r2']]);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['counts', 'orgId', 'repId']);
      expect(Object.keys(r.counts).sort()).toEqual(ALL12.filter((k) => !TEAM.includes(k)).sort());
    }
    const r1 = rows[0].counts as Record<string, number>;
    expect(r1.proactive_call_attempted).toBe(1);
    expect(r1.inbound_call_answered).toBe(1);
    expect(r1.calls_held).toBe(2);
    expect(r1.chats_held).toBe(1);
    const r2 = rows[1].counts as Record<string, number>;
    expect(r2.calls_held).toBe(1);
    expect(r2.proactive_call_accepted).toBe(1);
    expect((rows[2].counts as Record<string, number>).chats_held).toBe(1);
  });

  it('by page: rows per (org, page) sorted, all twelve keys', () => {
    const rows = aggregate(fixture(), { by: 'page' });
    expect(rows.map((r) => [r.orgId, r.page])).toEqual([['org_a', '/blog'], ['org_a', '/home'], ['org_a', '/pricing'], ['org_b', '/x']]);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['counts', 'orgId', 'page']);
      expect(Object.keys(r.counts).sort()).toEqual([...ALL12].sort());
    }
    const home = rows[1].counts;
    expect(home.calls_held).toBe(1);
    expect(home.chats_held).toBe(1);
    expect(home.inbound_call_missed).toBe(1);
    const pricing = rows[2].counts;
    expect(pricing.calls_held).toBe(2);
    expect(pricing.inbound_chat_answered).toBe(1);
    expect(rows[0].counts.inbound_chat_missed).toBe(1);
    // page totals equal the org totals
    const orgA = aggregate(fixture(), { by: 'org' })[0].counts;
    for (const k of ALL12) expect(rows.slice(0, 3).reduce((s, r) => s + (r.counts as Record<string, number>)[k], 0)).toBe((orgA as Record<string, number>)[k]);
  });

  it('empty input gives no rows; an empty string repId is not a rep? (counts are whole numbers)', () => {
    expect(aggregate([], { by: 'org' })).toEqual([]);
    expect(aggregate([], { by: 'rep' })).toEqual([]);
  });

  it('closeSessionsBefore adds missed for old unanswered requests only', () => {
    const old = '2026-11-24T10:00:00.000Z';
    const ev: MetricEvent[] = [
      { id: 'a', metric: 'inbound_chat_requested', orgId: 'o', visitorId: 'v1', sessionId: 's1', page: '/p', occurredAt: old },
      { id: 'b', metric: 'inbound_call_requested', orgId: 'o', visitorId: 'v1', sessionId: 's1', page: '/q', callId: 'c', occurredAt: old },
      { id: 'c', metric: 'inbound_chat_requested', orgId: 'o', visitorId: 'v2', sessionId: 's2', page: '/p', occurredAt: old },
      { id: 'd', metric: 'inbound_chat_answered', orgId: 'o', visitorId: 'v2', sessionId: 's2', page: '/p', repId: 'r', occurredAt: old },
      { id: 'e', metric: 'inbound_chat_requested', orgId: 'o', visitorId: 'v3', sessionId: 's3', page: '/p', occurredAt: '2026-11-24T16:00:00.000Z' },
    ];
    const [row] = aggregate(ev, { by: 'org', closeSessionsBefore: new Date('2026-11-24T12:00:00.000Z') });
    expect(row.counts.inbound_chat_missed).toBe(1);
    expect(row.counts.inbound_call_missed).toBe(1);
    const pages = aggregate(ev, { by: 'page', closeSessionsBefore: new Date('2026-11-24T12:00:00.000Z') });
    expect(pages.find((r) => r.page === '/q')!.counts.inbound_call_missed).toBe(1);
    expect(pages.find((r) => r.page === '/p')!.counts.inbound_chat_missed).toBe(1);
  });

  it('METRICS: twelve entries with seed labels, direction, channel, dimensions', () => {
    expect(METRICS.map((m) => m.name)).toEqual(ALL12);
    const by = Object.fromEntries(METRICS.map((m) => [m.name, m]));
    expect(by.inbound_chat_missed.label).toBe('Inbound Live Chat Conversations Missed');
    expect(by.calls_held.label).toBe('Website Calls Held');
    expect(by.chats_held.label).toBe('Live Chat Conversations Held');
    for (const t of TEAM) expect([...by[t].dimensions].sort()).toEqual(['org', 'page']);
    for (const k of ALL12.filter((k) => !TEAM.includes(k))) expect([...by[k].dimensions].sort()).toEqual(['org', 'page', 'rep']);
    expect(by.proactive_chat_accepted.direction).toBe('proactive');
    expect(by.inbound_call_missed.channel).toBe('call');
  });
});
