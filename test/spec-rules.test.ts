// Written from SPEC.md alone, through the public API: SPEC section 4 rules and `at` handling.
import { describe, expect, it, vi } from 'vitest';
import { answered, callEvent, MINUTE, names, offered, rep, requested, run, startTracker, stubEndpoint, T0, visitor } from './helpers';

describe('spec: at', () => {
  it('an `at` 31 minutes after the last activity (ahead of the local clock) ends the session (SPEC 2/3)', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    const now = Date.now();
    tracker.track({ ...visitor(), at: now });
    tracker.track({ ...rep('r1'), at: now + 31 * MINUTE });
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed', 'proactive_chat_attempted']);
  });

  it('an explicit past `at` becomes occurredAt (ISO)', async () => {
    const at = '2026-11-24T15:00:00.000Z';
    const { metrics } = await run([{ ...requested('c1'), at }, { ...answered('c1'), at: Date.parse(at) + 1000 }]);
    expect(metrics.map((m) => m.occurredAt)).toEqual([at, '2026-11-24T15:00:01.000Z']);
  });
});

describe('spec: section 4', () => {
  it('an offered call accepted in the next session still counts, with the offering rep', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(offered('c1', 'rep_a'));
    vi.setSystemTime(T0 + 40 * MINUTE);
    tracker.track(callEvent('call.accepted', 'c1'));
    await tracker.flush();
    const [att, acc] = endpoint.events();
    expect(names(endpoint.events())).toEqual(['proactive_call_attempted', 'proactive_call_accepted']);
    expect(acc.repId).toBe('rep_a');
    expect(acc.sessionId).not.toBe(att.sessionId);
  });

  it('inbound chat: bot replies do not answer; session end misses it on the request page, no repId', async () => {
    const endpoint = stubEndpoint();
    history.pushState(null, '', '/req');
    const { tracker } = startTracker();
    tracker.track(visitor());
    history.pushState(null, '', '/other');
    tracker.track({ type: 'chat.message', from: 'bot' });
    await tracker.endSession();
    await tracker.flush();
    const ev = endpoint.events();
    expect(names(ev)).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
    expect(ev[1]).toMatchObject({ page: '/req', reason: 'session_end' });
    expect('repId' in ev[1]).toBe(false);
    history.pushState(null, '', '/');
  });

  it('proactive then inbound-looking messages: only the first writer decides; at most one of each per session', async () => {
    const { metrics } = await run([rep('r1'), rep('r2'), visitor(), visitor(), rep('r3')]);
    expect(metrics.map((m) => [m.metric, m.repId])).toEqual([
      ['proactive_chat_attempted', 'r1'],
      ['proactive_chat_accepted', 'r1'],
    ]);
  });

  it('requested → answered → timeout → answered(other rep): one answered, no missed', async () => {
    const { metrics } = await run([requested('c1'), answered('c1', 'r1'), callEvent('call.timeout', 'c1'), answered('c1', 'r2')]);
    expect(metrics.map((m) => [m.metric, m.repId])).toEqual([
      ['inbound_call_requested', undefined],
      ['inbound_call_answered', 'r1'],
    ]);
  });

  it('call.answered before call.requested is unknown_call and ignored', async () => {
    const { metrics, codes } = await run([answered('c1'), requested('c1')]);
    expect(names(metrics)).toEqual(['inbound_call_requested']);
    expect(codes()).toEqual(['unknown_call']);
  });

  it('two tabs: request in one, answer in the other', async () => {
    const endpoint = stubEndpoint();
    const a = startTracker();
    const b = startTracker();
    a.tracker.track(requested('c1'));
    await a.tracker.flush();
    b.tracker.track(answered('c1', 'r9'));
    b.tracker.track(requested('c1'));
    await b.tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_call_requested', 'inbound_call_answered']);
  });
});
