// Written from SPEC.md alone, through the public API: SPEC section 4 as a matrix: every call event type in every call state.
import { describe, expect, it } from 'vitest';
import type { MetricEvent, WidgetEvent } from '../src/index';
import { freshStorage, run } from './helpers';

type State = 'none' | 'offered' | 'requested' | 'accepted' | 'answered' | 'missed' | 'declined' | 'session_missed';
const TYPES = ['call.offered', 'call.accepted', 'call.declined', 'call.requested', 'call.answered', 'call.canceled', 'call.timeout', 'call.ended'] as const;

const ev = (type: string, page: string, extra: object = {}): WidgetEvent =>
  ({ type, callId: 'c1', pageUrl: `https://site.example.com${page}?q=secret#h`, ...extra }) as unknown as WidgetEvent;

const SETUP: Record<Exclude<State, 'session_missed'>, WidgetEvent[]> = {
  none: [],
  offered: [ev('call.offered', '/offer', { repId: 'rep_off' })],
  requested: [ev('call.requested', '/request')],
  accepted: [ev('call.offered', '/offer', { repId: 'rep_off' }), ev('call.accepted', '/acc')],
  answered: [ev('call.requested', '/request'), ev('call.answered', '/ans', { repId: 'rep_ans' })],
  missed: [ev('call.requested', '/request'), ev('call.timeout', '/to')],
  declined: [ev('call.offered', '/offer', { repId: 'rep_off' }), ev('call.declined', '/dec')],
};

/** What the event should add, per SPEC section 4 and README deviations; undefined = unspecified. */
function expected(state: State, type: (typeof TYPES)[number]): { metrics: string[]; report?: boolean } | undefined {
  const repeat = { metrics: [] as string[], report: false };
  if (state === 'none') {
    if (type === 'call.offered') return { metrics: ['proactive_call_attempted'], report: false };
    if (type === 'call.requested') return { metrics: ['inbound_call_requested'], report: false };
    return { metrics: [], report: true }; // unknown_call
  }
  if (state === 'offered') {
    if (type === 'call.accepted') return { metrics: ['proactive_call_accepted'], report: false };
    if (type === 'call.requested') return undefined; // not specified
    return repeat;
  }
  if (state === 'requested') {
    if (type === 'call.answered') return { metrics: ['inbound_call_answered'], report: false };
    if (type === 'call.canceled' || type === 'call.timeout' || type === 'call.ended') return { metrics: ['inbound_call_missed'], report: false };
    if (type === 'call.offered') return undefined;
    return repeat;
  }
  if (type === 'call.offered' && (state === 'answered' || state === 'missed' || state === 'session_missed')) return undefined;
  if (type === 'call.requested' && (state === 'accepted' || state === 'declined')) return undefined;
  return repeat;
}

async function scenario(state: State, type: (typeof TYPES)[number]) {
  const setup = state === 'session_missed' ? [ev('call.requested', '/request')] : SETUP[state];
  const endpoint = await import('./helpers').then((h) => h.stubEndpoint());
  const { startTracker } = await import('./helpers');
  const h = startTracker();
  for (const e of setup) h.tracker.track(e);
  if (state === 'session_missed') await h.tracker.endSession();
  await h.tracker.flush();
  const before = endpoint.events().length;
  const errorsBefore = h.errors.length;
  h.tracker.track(ev(type, '/trigger', { repId: 'rep_new' }));
  await h.tracker.flush();
  return { all: endpoint.events(), added: endpoint.events().slice(before), newErrors: h.errors.slice(errorsBefore), errors: h.errors };
}

const STATES: State[] = ['none', 'offered', 'requested', 'accepted', 'answered', 'missed', 'declined', 'session_missed'];

describe('spec call matrix', () => {
  for (const state of STATES) {
    for (const type of TYPES) {
      it(`${type} in state ${state}`, async () => {
        const { added, newErrors } = await scenario(state, type);
        const exp = expected(state, type);
        if (!exp) {
          // unspecified: at least never more than one metric, and no repId on inbound team metrics
          expect(added.length).toBeLessThanOrEqual(1);
          return;
        }
        expect(added.map((m) => m.metric)).toEqual(exp.metrics);
        if (exp.report === true) expect(newErrors.map((e) => e.code)).toEqual(['unknown_call']);
        if (exp.report === false) expect(newErrors.map((e) => e.code)).toEqual([]);
        for (const m of added) checkShape(m, state);
      });
    }
  }
});

function checkShape(m: MetricEvent, state: State) {
  expect(m.callId).toBe('c1');
  expect(m.conversationId).toBeUndefined();
  expect(m.orgId).toBe('org_1');
  expect(typeof m.id).toBe('string');
  expect(typeof m.visitorId).toBe('string');
  expect(typeof m.sessionId).toBe('string');
  expect(Number.isNaN(Date.parse(m.occurredAt))).toBe(false);
  switch (m.metric) {
    case 'proactive_call_attempted':
      expect(m.repId).toBe('rep_new');
      expect(m.page).toBe('/trigger');
      expect(m.reason).toBeUndefined();
      break;
    case 'proactive_call_accepted':
      expect(m.repId).toBe('rep_off'); // the offering rep, not whatever the accept carried
      expect(m.page).toBe('/trigger');
      expect(m.reason).toBeUndefined();
      break;
    case 'inbound_call_requested':
      expect('repId' in m).toBe(false);
      expect(m.page).toBe('/trigger');
      break;
    case 'inbound_call_answered':
      expect(m.repId).toBe('rep_new');
      expect(m.page).toBe('/trigger');
      expect(m.reason).toBeUndefined();
      break;
    case 'inbound_call_missed':
      expect('repId' in m).toBe(false);
      expect(m.page).toBe(state === 'none' ? '/trigger' : '/request');
      expect(['canceled', 'timeout', 'ended']).toContain(m.reason);
      break;
    default:
      throw new Error('unexpected metric ' + m.metric);
  }
}

describe('spec call matrix extras', () => {
  it('missed reasons map one to one; session_end after endSession carries the request page', async () => {
    for (const [type, reason] of [['call.canceled', 'canceled'], ['call.timeout', 'timeout'], ['call.ended', 'ended']] as const) {
      freshStorage();
      const { added } = await scenario('requested', type);
      expect(added[0]?.reason).toBe(reason);
    }
    freshStorage();
    const { all } = await scenario('session_missed', 'call.answered');
    const missed = all.filter((m) => m.metric === 'inbound_call_missed');
    expect(missed).toHaveLength(1);
    expect(missed[0].reason).toBe('session_end');
    expect(missed[0].page).toBe('/request');
    expect('repId' in missed[0]).toBe(false);
  });

  it('a full offered+accepted flow then requested flow, all metrics in one run', async () => {
    const { metrics, codes } = await run([
      { type: 'call.offered', callId: 'p', repId: 'r1' },
      { type: 'call.accepted', callId: 'p' },
      { type: 'call.ended', callId: 'p' },
      { type: 'call.requested', callId: 'i' },
      { type: 'call.answered', callId: 'i', repId: 'r2' },
      { type: 'call.answered', callId: 'i', repId: 'r3' },
      { type: 'call.ended', callId: 'i' },
    ]);
    expect(metrics.map((m) => [m.metric, m.callId, m.repId])).toEqual([
      ['proactive_call_attempted', 'p', 'r1'],
      ['proactive_call_accepted', 'p', 'r1'],
      ['inbound_call_requested', 'i', undefined],
      ['inbound_call_answered', 'i', 'r2'],
    ]);
    expect(codes()).toEqual([]);
  });
});
