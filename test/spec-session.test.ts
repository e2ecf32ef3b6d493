// Written from SPEC.md alone, through the public API: session timeout/end semantics.
import { describe, expect, it, vi } from 'vitest';
import { MINUTE, names, rep, requested, startTracker, stubEndpoint, T0, visitor } from './helpers';

describe('spec: session end', () => {
  it('flush() after the timeout has passed (clock moved, no timer fired) emits the session-end misses', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    tracker.track(requested('c1'));
    await tracker.flush();
    vi.setSystemTime(T0 + 31 * MINUTE);
    await tracker.flush();
    // SPEC 2: "It ends after sessionTimeoutMs ... without activity"
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_call_requested', 'inbound_chat_missed', 'inbound_call_missed']);
  });

  it('shutdown() after the timeout has passed emits the session-end misses', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    vi.setSystemTime(T0 + 31 * MINUTE);
    await tracker.shutdown();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('a short sessionTimeoutMs ends the session by a real timer; missed carries old session and lastAt+timeout', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ sessionTimeoutMs: 150, flushIntervalMs: 3_600_000 });
    tracker.track(visitor({ conversationId: 'conv1' }));
    await tracker.flush();
    await new Promise((r) => setTimeout(r, 300));
    await tracker.flush();
    const [req, missed] = endpoint.events();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
    expect(missed).toMatchObject({ sessionId: req.sessionId, reason: 'session_end', page: req.page, conversationId: 'conv1' });
    expect('repId' in missed).toBe(false);
    // occurredAt = last activity + timeout; last activity >= request time
    expect(Date.parse(missed.occurredAt) - Date.parse(req.occurredAt)).toBeGreaterThanOrEqual(150);
    expect(Date.parse(missed.occurredAt) - Date.parse(req.occurredAt)).toBeLessThan(250);
    tracker.track(visitor());
    await tracker.flush();
    const next = endpoint.events()[2];
    expect(next.metric).toBe('inbound_chat_requested');
    expect(next.sessionId).not.toBe(req.sessionId);
  });

  it('endSession(): missed metrics carry the old session id; a new session starts after', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    vi.setSystemTime(T0 + MINUTE);
    await tracker.endSession();
    tracker.track(rep('r1'));
    await tracker.flush();
    const [req, missed, attempt] = endpoint.events();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed', 'proactive_chat_attempted']);
    expect(missed.sessionId).toBe(req.sessionId);
    // README deviation: occurredAt = now (the moment endSession was called)
    expect(missed.occurredAt).toBe(new Date(T0 + MINUTE).toISOString());
    expect(attempt.sessionId).not.toBe(req.sessionId);
  });

  it('endSession() alone delivers its missed metrics without a flush() (within flushIntervalMs)', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 200 });
    tracker.track(visitor());
    await tracker.endSession();
    await endpoint.requested(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('a messageId with at: 0 (epoch) is still deduped', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm1', at: 0 });
    tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm1', at: 0 });
    await tracker.endSession();
    tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm1', at: 0 });
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('with the clock at epoch 0 (vi.useFakeTimers({ now: 0 })), a repeated messageId is still deduped', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: 'm1' });
    await tracker.endSession();
    tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: 'm1' });
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['proactive_chat_attempted']);
  });

  it('the same messageId seen twice counts once (replayed history after reload)', async () => {
    const endpoint = stubEndpoint();
    const a = startTracker();
    a.tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: 'm1' });
    await a.tracker.shutdown();
    const b = startTracker();
    b.tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: 'm1' });
    b.tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm2' });
    b.tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm2' });
    await b.tracker.flush();
    expect(names(endpoint.events())).toEqual(['proactive_chat_attempted', 'proactive_chat_accepted']);
    expect(endpoint.events()[1].repId).toBe('r1');
  });
});
