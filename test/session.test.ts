// Visitor sessions (SPEC section 2, issue 2 item 3): shared by page loads and tabs, ended by
// inactivity (noticed at the next event, the next page load or a timer) or by endSession().
import { describe, expect, it, vi } from 'vitest';
import { callEvent, MINUTE, names, requested, startTracker, stubEndpoint, T0, visitor, rep } from './helpers';

const THIRTY_MINUTES = 30 * MINUTE;

describe('visitor session', () => {
  it('keeps one visitorId and one session across page loads within the timeout', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const first = startTracker();
    first.tracker.track(visitor());
    await first.tracker.shutdown();
    vi.setSystemTime(T0 + 29 * MINUTE);
    const second = startTracker();
    second.tracker.track(rep('r1'));
    await second.tracker.flush();
    const [a, b] = endpoint.events();
    expect(names([a, b])).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
    expect(b.visitorId).toBe(a.visitorId);
    expect(b.sessionId).toBe(a.sessionId);
  });

  it('ends the session at the next event after the timeout, finalizing it first', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    vi.setSystemTime(T0 + MINUTE);
    tracker.track(requested('c1'));
    vi.setSystemTime(T0 + MINUTE + THIRTY_MINUTES + 1);
    tracker.track(visitor());
    await tracker.flush();
    const events = endpoint.events();
    expect(names(events)).toEqual(['inbound_chat_requested', 'inbound_call_requested', 'inbound_chat_missed', 'inbound_call_missed', 'inbound_chat_requested']);
    const [first, , chatMissed, callMissed, next] = events;
    const ended = new Date(T0 + MINUTE + THIRTY_MINUTES).toISOString();
    expect(chatMissed).toMatchObject({ sessionId: first.sessionId, occurredAt: ended, reason: 'session_end' });
    expect(callMissed).toMatchObject({ sessionId: first.sessionId, occurredAt: ended, reason: 'session_end', callId: 'c1' });
    expect(next.sessionId).not.toBe(first.sessionId);
    expect(next.visitorId).toBe(first.visitorId);
  });

  it('ends an expired session at the next page load', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const first = startTracker();
    first.tracker.track(visitor());
    await first.tracker.shutdown();
    vi.setSystemTime(T0 + 45 * MINUTE);
    const second = startTracker();
    await second.tracker.flush();
    const [request, missed] = endpoint.events();
    expect(missed).toMatchObject({ metric: 'inbound_chat_missed', sessionId: request.sessionId, occurredAt: new Date(T0 + THIRTY_MINUTES).toISOString() });
  });

  it('ends the session by a timer in an open tab', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 60 * MINUTE });
    tracker.track(visitor());
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
    await vi.advanceTimersByTimeAsync(THIRTY_MINUTES + 10);
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('does not end a session another tab kept alive', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
    const endpoint = stubEndpoint();
    const idle = startTracker({ flushIntervalMs: 60 * MINUTE });
    idle.tracker.track(visitor());
    await idle.tracker.flush();
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    const busy = startTracker({ flushIntervalMs: 60 * MINUTE });
    busy.tracker.track(bot());
    await busy.tracker.flush();
    await vi.advanceTimersByTimeAsync(15 * MINUTE); // the idle tab's timer fires: 35 min after its last event
    await idle.tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  });

  it('ends the session on endSession(), at that moment', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    vi.setSystemTime(T0 + 5 * MINUTE);
    await tracker.endSession();
    tracker.track(visitor());
    await tracker.flush();
    const [first, missed, second] = endpoint.events();
    expect(missed).toMatchObject({ metric: 'inbound_chat_missed', sessionId: first.sessionId, occurredAt: new Date(T0 + 5 * MINUTE).toISOString() });
    expect(second.metric).toBe('inbound_chat_requested');
    expect(second.sessionId).not.toBe(first.sessionId);
  });

  it('counts an event whose `at` is older than the last activity in the current session', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 + 40 * MINUTE });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track({ ...visitor(), at: new Date(T0).toISOString() });
    tracker.track({ ...rep('r1'), at: T0 + MINUTE });
    await tracker.flush();
    const [request, answer] = endpoint.events();
    expect(names([request, answer])).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
    expect(answer.sessionId).toBe(request.sessionId);
    expect(request.occurredAt).toBe(new Date(T0).toISOString());
  });

  it('treats the page becoming visible as activity', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    vi.setSystemTime(T0 + 25 * MINUTE);
    document.dispatchEvent(new Event('visibilitychange')); // happy-dom's document is visible
    await tracker.flush();
    vi.setSystemTime(T0 + 50 * MINUTE);
    tracker.track(rep('r1'));
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
  });

  it('lets a requested call that waits when its session ends be missed once only', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(requested('c1'));
    await tracker.endSession();
    tracker.track(callEvent('call.timeout', 'c1'));
    await tracker.endSession();
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_call_requested', 'inbound_call_missed']);
  });
});

function bot() {
  return { type: 'chat.message', from: 'bot' } as const;
}

describe('two tabs on one IndexedDB', () => {
  it('count the first visitor message once when both see it at once', async () => {
    const endpoint = stubEndpoint();
    const a = startTracker();
    const b = startTracker();
    a.tracker.track(visitor());
    b.tracker.track(visitor());
    a.tracker.track(requested('c1'));
    b.tracker.track(requested('c1'));
    await Promise.all([a.tracker.flush(), b.tracker.flush()]);
    expect(names(endpoint.events()).sort()).toEqual(['inbound_call_requested', 'inbound_chat_requested']);
  });

  it('share one session and one visitor', async () => {
    const endpoint = stubEndpoint();
    const a = startTracker();
    const b = startTracker();
    a.tracker.track(rep('r1'));
    await a.tracker.flush();
    b.tracker.track(visitor());
    await b.tracker.flush();
    const [attempt, accept] = endpoint.events();
    expect(accept.metric).toBe('proactive_chat_accepted');
    expect([accept.sessionId, accept.visitorId]).toEqual([attempt.sessionId, attempt.visitorId]);
  });
});

describe('an `at` far in the future', () => {
  it('sets no timer beyond what setTimeout takes: no check loop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track({ ...visitor(), at: Date.now() + 40 * 24 * 60 * MINUTE });
    await tracker.flush();
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transaction.mock.calls.filter(([stores]) => [stores].flat().includes('calls'))).toHaveLength(0);
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  });
});

describe('a visitor clock set right after running ahead', () => {
  it('ends the session stamped in the future: a visit 6 hours later is a new session, counted', async () => {
    const DAY = 24 * 60 * MINUTE;
    vi.useFakeTimers({ toFake: ['Date'], now: T0 + DAY });
    const endpoint = stubEndpoint();
    const first = startTracker();
    first.tracker.track(visitor());
    first.tracker.track(rep('r1'));
    await first.tracker.shutdown();
    vi.setSystemTime(T0 + 6 * 60 * MINUTE); // set right, 6 h later
    const second = startTracker();
    second.tracker.track(visitor());
    second.tracker.track(rep('r2'));
    await second.tracker.flush();
    const events = endpoint.events();
    expect(names(events)).toEqual(['inbound_chat_requested', 'inbound_chat_answered', 'inbound_chat_requested', 'inbound_chat_answered']);
    expect(events[2].sessionId).not.toBe(events[0].sessionId);
    expect(events[3]).toMatchObject({ repId: 'r2', sessionId: events[2].sessionId });
  });

  it('misses an unanswered request of the session stamped in the future', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 + 24 * 60 * MINUTE });
    const endpoint = stubEndpoint();
    const first = startTracker();
    first.tracker.track(visitor());
    await first.tracker.shutdown();
    vi.setSystemTime(T0);
    const second = startTracker();
    second.tracker.track(visitor());
    await second.tracker.flush();
    const [request, missed, next] = endpoint.events();
    expect(missed).toMatchObject({ metric: 'inbound_chat_missed', sessionId: request.sessionId, occurredAt: new Date(T0).toISOString() });
    expect(next.metric).toBe('inbound_chat_requested');
  });
});

describe('an event stamped before the end of a session already closed', () => {
  it('opens no new session and counts no proactive attempt; it is reported', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    vi.setSystemTime(T0 + THIRTY_MINUTES + MINUTE);
    await tracker.flush(); // the session has timed out: ended at 15:30
    tracker.track({ ...rep('r1'), at: T0 + 29 * MINUTE });
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
    expect(codes()).toEqual(['invalid_event']);
  });
});
