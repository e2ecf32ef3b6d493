// @vitest-environment node
// engage-tracker/metrics (SPEC section 9): metric events in, the metric tables out. Node
// environment on purpose: the module must run without a DOM.
import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { aggregate, METRICS, type MetricEvent, type MetricName, type OrgRow, type PageRow, type RepRow } from '../src/metrics/index';

const T0 = Date.parse('2026-11-24T15:00:00.000Z');
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();
const CLOSE = new Date(T0 + 60 * MINUTE);

let lastId = 0;
const ev = (metric: MetricName, fields: Partial<MetricEvent> = {}): MetricEvent => ({
  id: `e${++lastId}`,
  metric,
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: 's1',
  page: '/pricing',
  occurredAt: at(0),
  ...fields,
});

const SENT: MetricName[] = [
  'proactive_call_attempted',
  'proactive_call_accepted',
  'inbound_call_requested',
  'inbound_call_answered',
  'inbound_call_missed',
  'proactive_chat_attempted',
  'proactive_chat_accepted',
  'inbound_chat_requested',
  'inbound_chat_answered',
  'inbound_chat_missed',
];
const TEAM_ONLY: MetricName[] = ['inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'];
const HELD_FROM: Partial<Record<MetricName, 'calls_held' | 'chats_held'>> = {
  proactive_call_attempted: 'calls_held',
  inbound_call_answered: 'calls_held',
  proactive_chat_accepted: 'chats_held',
  inbound_chat_answered: 'chats_held',
};
const ALL_KEYS = [...SENT, 'calls_held', 'chats_held'];
const REP_KEYS = ALL_KEYS.filter((k) => !TEAM_ONLY.includes(k as MetricName));

/** Every applicable key at 0, then the given counts. */
const zeros = (keys: string[], counts: Record<string, number> = {}) =>
  Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0]));

const countsOf = (events: readonly MetricEvent[], closeSessionsBefore?: Date) =>
  aggregate(events, { by: 'org', closeSessionsBefore })[0]?.counts;

describe('aggregate: each metric in each dimension', () => {
  it.each(SENT)('%s is counted by org, by page and (where available) by rep', (metric) => {
    const events = [ev(metric, { repId: 'rep_1', page: '/demo' })];
    const expected = zeros(ALL_KEYS, { [metric]: 1, [HELD_FROM[metric] ?? metric]: 1 });

    expect(aggregate(events, { by: 'org' })).toEqual([{ orgId: 'org_1', counts: expected }]);
    expect(aggregate(events, { by: 'page' })).toEqual([{ orgId: 'org_1', page: '/demo', counts: expected }]);
    if (TEAM_ONLY.includes(metric)) {
      // Not available for individual users: no rep row comes of it, even when a repId is present.
      expect(aggregate(events, { by: 'rep' })).toEqual([]);
    } else {
      expect(aggregate(events, { by: 'rep' })).toEqual([
        { orgId: 'org_1', repId: 'rep_1', counts: zeros(REP_KEYS, { [metric]: 1, [HELD_FROM[metric] ?? metric]: 1 }) },
      ]);
    }
  });

  it('lists the counts in SPEC order, the derived ones last', () => {
    expect(Object.keys(countsOf([ev('inbound_chat_missed')]))).toEqual(ALL_KEYS);
    expect(Object.keys(aggregate([ev('inbound_chat_answered', { repId: 'r' })], { by: 'rep' })[0].counts)).toEqual(REP_KEYS);
  });

  it('returns no rows for no events', () => {
    expect(aggregate([], { by: 'org' })).toEqual([]);
  });
});

describe('aggregate: held metrics are derived', () => {
  it('Website Calls Held = proactive attempted + inbound answered; Live Chat Conversations Held = proactive accepted + inbound answered', () => {
    const events = [
      ...Array.from({ length: 2 }, () => ev('proactive_call_attempted', { repId: 'r1' })),
      ...Array.from({ length: 3 }, () => ev('inbound_call_answered', { repId: 'r2' })),
      ev('proactive_call_accepted', { repId: 'r1' }),
      ev('inbound_call_requested'),
      ev('proactive_chat_attempted', { repId: 'r1' }),
      ev('proactive_chat_accepted', { repId: 'r1' }),
      ev('inbound_chat_answered', { repId: 'r2', sessionId: 's2' }),
      ev('inbound_chat_requested', { sessionId: 's2' }),
    ];
    expect(countsOf(events)).toMatchObject({ calls_held: 5, chats_held: 2 });
    const byRep = aggregate(events, { by: 'rep' });
    expect(byRep.map((r) => [r.repId, r.counts.calls_held, r.counts.chats_held])).toEqual([
      ['r1', 2, 1],
      ['r2', 3, 1],
    ]);
  });
});

describe('aggregate: dedupe by (orgId, id)', () => {
  it('counts an event delivered twice once', () => {
    const e = ev('inbound_call_requested');
    expect(countsOf([e, { ...e }, e]).inbound_call_requested).toBe(1);
  });

  it('keeps the first of two events with one id', () => {
    const first = ev('proactive_chat_attempted', { repId: 'r1' });
    const counts = countsOf([first, { ...first, metric: 'inbound_chat_requested' }]);
    expect([counts.proactive_chat_attempted, counts.inbound_chat_requested]).toEqual([1, 0]);
  });

  it('dedupes across dimensions alike', () => {
    const e = ev('proactive_call_attempted', { repId: 'r1' });
    const again = { ...e, repId: 'r2', page: '/other' };
    for (const by of ['org', 'rep', 'page'] as const) expect(aggregate([e, again], { by })).toHaveLength(1);
  });

  it('counts one id in two orgs twice: one org cannot suppress another one’s events', () => {
    const e = ev('proactive_call_attempted', { repId: 'r1' });
    const other = { ...e, orgId: 'org_2' };
    for (const by of ['org', 'rep', 'page'] as const) expect(aggregate([e, other], { by })).toHaveLength(2);
  });
});

describe('aggregate: rows', () => {
  const events = [
    ev('inbound_chat_requested', { orgId: 'org_b', page: '/b' }),
    ev('inbound_chat_answered', { orgId: 'org_b', page: '/b', repId: 'rep_z' }),
    ev('inbound_chat_answered', { orgId: 'org_a', page: '/b', repId: 'rep_z' }),
    ev('proactive_call_attempted', { orgId: 'org_a', page: '/a', repId: 'rep_y' }),
    ev('inbound_call_requested', { orgId: 'org_a', page: '/a' }),
    ev('inbound_call_missed', { orgId: 'org_a', page: '/c' }),
  ];

  it('by org: one row per orgId, sorted', () => {
    expect(aggregate(events, { by: 'org' }).map((r) => [r.orgId, r.counts.inbound_chat_answered])).toEqual([
      ['org_a', 1],
      ['org_b', 1],
    ]);
  });

  it('by page: one row per orgId and page, sorted by orgId then page', () => {
    const rows = aggregate(events, { by: 'page' });
    expect(rows.map((r) => [r.orgId, r.page])).toEqual([
      ['org_a', '/a'],
      ['org_a', '/b'],
      ['org_a', '/c'],
      ['org_b', '/b'],
    ]);
    expect(rows[0].counts).toMatchObject({ proactive_call_attempted: 1, inbound_call_requested: 1, inbound_call_missed: 0, calls_held: 1 });
    expect(rows[2].counts).toMatchObject({ inbound_call_missed: 1 });
  });

  it('by rep: one row per orgId and repId, sorted; team-only metrics left out, not zero', () => {
    const rows = aggregate(events, { by: 'rep' });
    expect(rows.map((r) => [r.orgId, r.repId])).toEqual([
      ['org_a', 'rep_y'],
      ['org_a', 'rep_z'],
      ['org_b', 'rep_z'],
    ]);
    for (const row of rows) {
      for (const metric of TEAM_ONLY) expect(row.counts).not.toHaveProperty(metric);
    }
  });

  it('by rep: events without a repId make no row', () => {
    expect(aggregate([ev('proactive_call_attempted')], { by: 'rep' })).toEqual([]);
  });

  it('sorts by code unit, the same in every locale', () => {
    const rows = aggregate([ev('inbound_call_requested', { page: '/b' }), ev('inbound_call_requested', { page: '/B' }), ev('inbound_call_requested', { page: '/a' })], { by: 'page' });
    expect(rows.map((r) => r.page)).toEqual(['/B', '/a', '/b']);
  });
});

describe('aggregate: malformed input is ignored, not thrown', () => {
  const valid = ev('inbound_call_requested');
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', 'inbound_call_requested'],
    ['an array', []],
    ['an empty object', {}],
    ['no id', { ...valid, id: undefined }],
    ['a numeric id', { ...valid, id: 7 }],
    ['no orgId', { ...valid, orgId: undefined }],
    ['a null orgId', { ...valid, orgId: null }],
    ['a derived metric (never sent)', { ...valid, metric: 'calls_held' }],
    ['an Object.prototype name as metric', { ...valid, metric: 'toString' }],
    ['__proto__ as metric', { ...valid, metric: '__proto__' }],
    ['no metric', { ...valid, metric: undefined }],
  ])('%s', (_, entry) => {
    const events = [entry, ev('inbound_chat_requested')] as MetricEvent[];
    for (const by of ['org', 'rep', 'page'] as const) {
      expect(() => aggregate(events, { by, closeSessionsBefore: CLOSE })).not.toThrow();
    }
    expect(countsOf(events, CLOSE)).toEqual(zeros(ALL_KEYS, { inbound_chat_requested: 1, inbound_chat_missed: 1 }));
  });

  it('a rejected entry does not claim its id', () => {
    const e = ev('inbound_call_requested');
    expect(countsOf([{ ...e, metric: 'nope' } as unknown as MetricEvent, e]).inbound_call_requested).toBe(1);
  });

  it('by page: events without a page make no row', () => {
    expect(aggregate([ev('inbound_call_requested', { page: undefined })], { by: 'page' })).toEqual([]);
  });

  it('missing visitor or session ids: counted, but no session to close', () => {
    const events = [ev('inbound_chat_requested', { visitorId: undefined }), ev('inbound_chat_requested', { sessionId: 42 as unknown as string })];
    expect(countsOf(events, CLOSE)).toMatchObject({ inbound_chat_requested: 2, inbound_chat_missed: 0 });
  });

  it('fields of the wrong type, even in recent events, do not throw', () => {
    const odd = [['x'], { length: 2 }, 7, null].flatMap((value) => [
      ev('proactive_call_attempted', { visitorId: value as string, occurredAt: at(90) }),
      ev('inbound_chat_answered', { sessionId: value as string, repId: value as string, page: value as string }),
      ev('inbound_call_answered', { callId: value as string, occurredAt: value as string, sessionId: 's9' }),
    ]);
    const events = [ev('inbound_chat_requested'), ...odd];
    for (const by of ['org', 'rep', 'page'] as const) expect(() => aggregate(events, { by, closeSessionsBefore: CLOSE })).not.toThrow();
    expect(countsOf(events, CLOSE)).toMatchObject({ proactive_call_attempted: 4, inbound_chat_missed: 1 });
  });

  it('an unknown `by` throws a TypeError naming it, with or without closeSessionsBefore', () => {
    expect(() => aggregate([valid], { by: 'team' as 'org' })).toThrow(/\bby\b/);
    expect(() => aggregate([valid], { by: 'team' as 'org', closeSessionsBefore: CLOSE })).toThrow(TypeError);
  });
});

describe('aggregate: closeSessionsBefore', () => {
  // The missed metrics the option adds, beyond those already in the events.
  type Case = [string, MetricEvent[], { chat?: number; call?: number }];
  const cases: Case[] = [
    ['an unanswered chat request in an old session is missed', [ev('inbound_chat_requested')], { chat: 1 }],
    ['an answered chat request is not', [ev('inbound_chat_requested'), ev('inbound_chat_answered', { repId: 'r1', occurredAt: at(1) })], { chat: 0 }],
    ['a chat the tracker already missed is not missed again', [ev('inbound_chat_requested'), ev('inbound_chat_missed', { reason: 'session_end', occurredAt: at(30) })], { chat: 0 }],
    ['a session whose last event is at the instant is not over', [ev('inbound_chat_requested'), ev('proactive_call_attempted', { repId: 'r', occurredAt: at(60) })], { chat: 0 }],
    ['a session whose last event is after the instant is not over', [ev('inbound_chat_requested', { occurredAt: at(61) })], { chat: 0 }],
    ['a session with an unreadable time is not closed', [ev('inbound_chat_requested'), ev('inbound_chat_requested', { occurredAt: 'soon' })], { chat: 0 }],
    ['times with an offset are read too', [ev('inbound_chat_requested', { occurredAt: '2026-11-24T16:30:00+01:00' })], { chat: 1 }],
    ['times with an offset are read too (after the instant)', [ev('inbound_chat_requested', { occurredAt: '2026-11-24T17:30:00+01:00' })], { chat: 0 }],
    ['proactive chats have nothing to miss', [ev('proactive_chat_attempted', { repId: 'r' })], { chat: 0 }],
    ['an unanswered call request in an old session is missed', [ev('inbound_call_requested', { callId: 'c1' })], { call: 1 }],
    ['an answered call is not', [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_answered', { callId: 'c1', repId: 'r' })], { call: 0 }],
    ['a call already missed is not missed again', [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_missed', { callId: 'c1', reason: 'timeout' })], { call: 0 }],
    [
      'a call answered in a later session is not missed',
      [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_answered', { callId: 'c1', repId: 'r', sessionId: 's2', occurredAt: at(90) })],
      { call: 0 },
    ],
    [
      'the outcome counts wherever it sits in the array',
      [ev('inbound_call_answered', { callId: 'c1', repId: 'r', sessionId: 's2' }), ev('inbound_call_requested', { callId: 'c1' })],
      { call: 0 },
    ],
    ['a call requested in an open session is still waiting', [ev('inbound_call_requested', { callId: 'c1', occurredAt: at(61) })], { call: 0 }],
    ['one miss per call, however often requested', [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_requested', { callId: 'c1', occurredAt: at(1) })], { call: 1 }],
    ['one miss per call request, two calls two misses', [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_requested', { callId: 'c2' })], { call: 2 }],
    [
      'the same callId of another visitor is another call',
      [
        ev('inbound_call_requested', { callId: 'c1' }),
        ev('inbound_call_requested', { callId: 'c1', visitorId: 'v2' }),
        ev('inbound_call_answered', { callId: 'c1', visitorId: 'v2', repId: 'r' }),
      ],
      { call: 1 },
    ],
    [
      'the same sessionId of another visitor is another session',
      [ev('inbound_chat_requested'), ev('inbound_chat_requested', { visitorId: 'v2', occurredAt: at(90) })],
      { chat: 1 },
    ],
    [
      // ('ab', 'c') and ('a', 'bc') read alike when joined: keys must compare field by field.
      'sessions whose ids only match when joined stay apart',
      [ev('inbound_chat_requested', { visitorId: 'ab', sessionId: 'c' }), ev('proactive_call_attempted', { repId: 'r', visitorId: 'a', sessionId: 'bc', occurredAt: at(90) })],
      { chat: 1 },
    ],
    ['a call and a chat in one session', [ev('inbound_chat_requested'), ev('inbound_call_requested', { callId: 'c1' })], { chat: 1, call: 1 }],
    ['a chat requested after a call in one session', [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_chat_requested', { occurredAt: at(1) })], { chat: 1, call: 1 }],
    [
      'one miss per session chat, however often requested; an answer to any settles it',
      [ev('inbound_chat_requested'), ev('inbound_chat_requested', { occurredAt: at(1) }), ev('inbound_chat_answered', { repId: 'r', occurredAt: at(2) }), ev('inbound_chat_requested', { occurredAt: at(3) })],
      { chat: 0 },
    ],
    ['one miss per session chat, two requests', [ev('inbound_chat_requested'), ev('inbound_chat_requested', { occurredAt: at(1), page: '/b' })], { chat: 1 }],
    [
      'a call whose outcome comes first in another session, then a request: no miss',
      [ev('inbound_call_missed', { callId: 'c1', reason: 'timeout', sessionId: 's0' }), ev('inbound_call_requested', { callId: 'c1' })],
      { call: 0 },
    ],
  ];

  it.each(cases)('%s', (_, events, { chat = 0, call = 0 }) => {
    const before = countsOf(events);
    const after = countsOf(events, CLOSE);
    expect(after.inbound_chat_missed - before.inbound_chat_missed).toBe(chat);
    expect(after.inbound_call_missed - before.inbound_call_missed).toBe(call);
  });

  it('counts the miss on the page of the request', () => {
    const events = [
      ev('inbound_chat_requested', { page: '/help' }),
      ev('inbound_call_requested', { page: '/pricing', callId: 'c1', occurredAt: at(1) }),
      ev('proactive_call_attempted', { page: '/docs', repId: 'r', callId: 'c2', occurredAt: at(2) }),
    ];
    const rows = aggregate(events, { by: 'page', closeSessionsBefore: CLOSE });
    expect(rows.map((r) => [r.page, r.counts.inbound_chat_missed, r.counts.inbound_call_missed])).toEqual([
      ['/docs', 0, 0],
      ['/help', 1, 0],
      ['/pricing', 0, 1],
    ]);
  });

  it('leaves rep rows alone: missed metrics are not available for individual users', () => {
    const events = [ev('inbound_chat_requested'), ev('inbound_call_requested', { callId: 'c1' }), ev('proactive_chat_attempted', { repId: 'r', sessionId: 's2' })];
    expect(aggregate(events, { by: 'rep', closeSessionsBefore: CLOSE })).toEqual(aggregate(events, { by: 'rep' }));
  });

  it('only counts: the events are neither changed nor added to', () => {
    const events = Object.freeze([Object.freeze(ev('inbound_chat_requested'))]);
    const copy = structuredClone(events);
    aggregate(events, { by: 'page', closeSessionsBefore: CLOSE });
    expect(events).toEqual(copy);
  });

  it('throws a TypeError naming it on an invalid Date or a value that is not a Date: there is no instant to close at', () => {
    for (const closeSessionsBefore of [new Date(NaN), '2026-11-24T00:00:00Z', Date.now()]) {
      expect(() => aggregate([ev('inbound_chat_requested')], { by: 'org', closeSessionsBefore: closeSessionsBefore as Date })).toThrow(/closeSessionsBefore/);
    }
  });
});

describe('aggregate: agrees with a plain reference on many events', () => {
  // A direct, slow reading of the rules, to check the hash tables against (collisions, probing).
  function reference(events: MetricEvent[], by: 'org' | 'rep' | 'page', before?: number) {
    const seen = new Set<string>();
    const unique = events.filter((e) => !seen.has(`${e.orgId}\u0000${e.id}`) && seen.add(`${e.orgId}\u0000${e.id}`));
    const all = [...unique];
    if (before !== undefined) {
      const sessionKey = (e: MetricEvent) => JSON.stringify([e.orgId, e.visitorId, e.sessionId]);
      const visitorCall = (e: MetricEvent) => JSON.stringify([e.orgId, e.visitorId, e.callId]);
      const closed = (key: string) => unique.filter((e) => sessionKey(e) === key).every((e) => Date.parse(e.occurredAt) < before);
      for (const key of new Set(unique.map(sessionKey))) {
        const session = unique.filter((e) => sessionKey(e) === key);
        const request = session.find((e) => e.metric === 'inbound_chat_requested');
        if (request && closed(key) && !session.some((e) => e.metric === 'inbound_chat_answered' || e.metric === 'inbound_chat_missed')) {
          all.push({ ...request, metric: 'inbound_chat_missed' });
        }
      }
      const calls = unique.filter((e) => e.metric.startsWith('inbound_call'));
      for (const key of new Set(calls.map(visitorCall))) {
        const call = calls.filter((e) => visitorCall(e) === key);
        const request = call.find((e) => e.metric === 'inbound_call_requested');
        if (request && closed(sessionKey(request)) && !call.some((e) => e.metric !== 'inbound_call_requested')) {
          all.push({ ...request, metric: 'inbound_call_missed' });
        }
      }
    }
    const rows = new Map<string, Record<string, number>>();
    for (const e of all) {
      if (by === 'rep' && (TEAM_ONLY.includes(e.metric) || e.repId === undefined)) continue;
      const key = JSON.stringify([e.orgId, by === 'org' ? null : by === 'rep' ? e.repId : e.page]);
      const counts = rows.get(key) ?? zeros(by === 'rep' ? REP_KEYS : ALL_KEYS);
      counts[e.metric]++;
      if (HELD_FROM[e.metric]) counts[HELD_FROM[e.metric]!]++;
      rows.set(key, counts);
    }
    return [...rows].map(([key, counts]) => [...JSON.parse(key), counts]).sort((a, b) => (a[0] + '\0' + a[1] < b[0] + '\0' + b[1] ? -1 : 1));
  }

  // Seeded, so a failure can be replayed.
  let seed = 7;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  // Few distinct values, so ids, sessions and calls collide often.
  const events: MetricEvent[] = Array.from({ length: 4000 }, () => ({
    id: `i${random(3000)}`,
    metric: SENT[random(SENT.length)],
    orgId: `o${random(3)}`,
    visitorId: `v${random(20)}`,
    sessionId: `s${random(5)}`,
    page: `/p${random(4)}`,
    callId: `c${random(30)}`,
    ...(random(3) ? { repId: `r${random(6)}` } : {}),
    occurredAt: at(random(120)),
  }));

  it.each(['org', 'rep', 'page'] as const)('by %s', (by) => {
    const flat = (rows: (OrgRow | RepRow | PageRow)[]) =>
      rows.map((r) => [r.orgId, 'repId' in r ? r.repId : 'page' in r ? r.page : null, r.counts]);
    expect(flat(aggregate(events, { by }))).toEqual(reference(events, by));
    expect(flat(aggregate(events, { by, closeSessionsBefore: CLOSE }))).toEqual(reference(events, by, CLOSE.getTime()));
  });
});

describe('METRICS', () => {
  /**
   * The customer's metric definitions, by title: whether each is available for individual users
   * (reps) or only for the organization and pages. Kept here, not read from elsewhere, so the
   * test runs in a bare clone.
   */
  const DEFINED: Record<string, 'reps' | 'team'> = {
    'Proactive Website Calls Attempted': 'reps',
    'Proactive Website Calls Accepted': 'reps',
    'Inbound Website Calls Requested': 'team',
    'Inbound Website Calls Missed': 'team',
    'Inbound Website Calls Answered': 'reps',
    'Website Calls Held': 'reps',
    'Proactive Live Chat Conversations Attempted': 'reps',
    'Proactive Live Chat Conversations Accepted': 'reps',
    'Inbound Live Chat Conversations Requested': 'team',
    'Inbound Live Chat Conversations Missed': 'team',
    'Inbound Live Chat Conversations Answered': 'reps',
    'Live Chat Conversations Held': 'reps',
  };

  it('labels every defined metric, and nothing else', () => {
    expect(METRICS.map((m) => m.label).sort()).toEqual(Object.keys(DEFINED).sort());
  });

  it.each(METRICS.map((m) => [m.label, m]))('%s: available for the dimensions its definition names', (label, m) => {
    expect(m.dimensions).toEqual(DEFINED[label] === 'reps' ? ['org', 'rep', 'page'] : ['org', 'page']);
  });

  it.each(METRICS.map((m) => [m.name, m]))('%s: docs/metrics.md lists it with its label and dimensions', (name, m) => {
    const docs = readFileSync(new URL('../docs/metrics.md', import.meta.url), 'utf8');
    const row = docs.split('\n').find((line) => line.startsWith(`| ${m.label} | \`${name}\` |`));
    expect(row).toBeDefined();
    expect(row?.trim().endsWith(m.dimensions.includes('rep') ? '| organization, rep, page |' : '| organization, page |')).toBe(true);
  });

  it('describes the ten sent metrics and the two derived ones', () => {
    expect(METRICS.filter((m) => !m.derived).map((m) => m.name)).toEqual(SENT);
    expect(METRICS.filter((m) => m.derived).map((m) => [m.name, m.derived && m.sum])).toEqual([
      ['calls_held', ['proactive_call_attempted', 'inbound_call_answered']],
      ['chats_held', ['proactive_chat_accepted', 'inbound_chat_answered']],
    ]);
  });

  it.each(METRICS.map((m) => [m.name, m]))('%s: direction and channel match its name', (name, m) => {
    expect(m.direction).toBe(m.derived ? 'all' : name.split('_')[0]);
    expect(m.channel).toBe(name.startsWith('calls') || name.includes('_call_') ? 'call' : 'chat');
    expect(m.label.startsWith(m.derived ? (m.channel === 'call' ? 'Website' : 'Live') : m.direction === 'inbound' ? 'Inbound' : 'Proactive')).toBe(true);
  });

  it('cannot be changed by a consumer', () => {
    expect(Object.isFrozen(METRICS)).toBe(true);
    expect(METRICS.every((m) => Object.isFrozen(m) && Object.isFrozen(m.dimensions))).toBe(true);
  });
});

describe('types', () => {
  it('rows are typed by dimension; rep rows have no team-only counts', () => {
    expectTypeOf(aggregate([], { by: 'org' })).toEqualTypeOf<OrgRow[]>();
    expectTypeOf(aggregate([], { by: 'page' })).toEqualTypeOf<PageRow[]>();
    expectTypeOf(aggregate([], { by: 'rep' })).toEqualTypeOf<RepRow[]>();
    expectTypeOf<RepRow['repId']>().toEqualTypeOf<string>();
    expectTypeOf<RepRow['counts']>().not.toHaveProperty('inbound_call_requested');
    expectTypeOf<RepRow['counts']>().toHaveProperty('calls_held').toEqualTypeOf<number>();
    expectTypeOf<OrgRow['counts']>().toHaveProperty('inbound_chat_missed').toEqualTypeOf<number>();
    expectTypeOf(aggregate).parameter(0).toEqualTypeOf<readonly MetricEvent[]>();
  });
});
