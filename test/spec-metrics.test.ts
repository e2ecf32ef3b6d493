// Written from SPEC.md alone, through the public API: the aggregation module against SPEC section 9 and the seed.
import { describe, expect, it } from 'vitest';
import { aggregate, METRICS } from '../src/metrics';
import type { MetricEvent } from '../src';

let n = 0;
const ev = (metric: MetricEvent['metric'], extra: Partial<MetricEvent> = {}): MetricEvent => ({
  id: `e${n++}`, metric, orgId: 'org_1', visitorId: 'v1', sessionId: 's1', page: '/p', occurredAt: '2026-11-24T15:00:00.000Z', ...extra,
});

describe('spec: METRICS', () => {
  it('every counted metric has direction proactive or inbound, the two derived ones "all"; channel call or chat (SPEC 9)', () => {
    expect(METRICS).toHaveLength(12);
    for (const m of METRICS) {
      expect(m.derived ? ['all'] : ['proactive', 'inbound']).toContain(m.direction);
      expect(['call', 'chat']).toContain(m.channel);
    }
  });
  it('dimensions use org/rep/page, rep only where available', () => {
    const dims = Object.fromEntries(METRICS.map((m) => [m.name, [...m.dimensions]]));
    expect(dims.inbound_call_requested).toEqual(['org', 'page']);
    expect(dims.inbound_chat_missed).toEqual(['org', 'page']);
    expect(dims.calls_held).toEqual(['org', 'rep', 'page']);
    expect(dims.proactive_chat_accepted).toEqual(['org', 'rep', 'page']);
  });
});

describe('spec: aggregate', () => {
  it('by org: counts and derived held', () => {
    const rows = aggregate([
      ev('proactive_call_attempted', { repId: 'r1', callId: 'a' }),
      ev('inbound_call_answered', { repId: 'r2', callId: 'b' }),
      ev('proactive_chat_accepted', { repId: 'r1' }),
      ev('inbound_chat_answered', { repId: 'r2', sessionId: 's2' }),
    ], { by: 'org' });
    expect(rows).toHaveLength(1);
    expect(rows[0].orgId).toBe('org_1');
    expect(rows[0].counts.calls_held).toBe(2);
    expect(rows[0].counts.chats_held).toBe(2);
    expect(Object.keys(rows[0].counts)).toHaveLength(12);
  });
  it('by rep leaves team metrics out (not zero)', () => {
    const rows = aggregate([ev('proactive_call_attempted', { repId: 'r1', callId: 'a' })], { by: 'rep' });
    expect(rows[0]).toMatchObject({ orgId: 'org_1', repId: 'r1' });
    for (const k of ['inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed']) expect(k in rows[0].counts).toBe(false);
    expect(rows[0].counts.calls_held).toBe(1);
  });
  it('dedupes by id', () => {
    const e = ev('inbound_chat_requested');
    expect(aggregate([e, { ...e }], { by: 'org' })[0].counts.inbound_chat_requested).toBe(1);
  });
  it('closeSessionsBefore adds chat and call misses on the request page, only for sessions over', () => {
    const old = '2026-11-24T10:00:00.000Z';
    const events = [
      ev('inbound_chat_requested', { page: '/a', occurredAt: old }),
      ev('inbound_call_requested', { page: '/b', callId: 'c1', occurredAt: old }),
      ev('inbound_chat_requested', { sessionId: 's2', page: '/c', occurredAt: '2026-11-24T15:00:00.000Z' }),
    ];
    const byPage = aggregate(events, { by: 'page', closeSessionsBefore: new Date('2026-11-24T12:00:00.000Z') });
    const get = (p: string) => byPage.find((r) => r.page === p)!.counts;
    expect(get('/a').inbound_chat_missed).toBe(1);
    expect(get('/b').inbound_call_missed).toBe(1);
    expect(get('/c').inbound_chat_missed).toBe(0);
  });
});
