// Written from SPEC.md alone, through the public API: retry rules, error codes, hide path and page rules.
import { describe, expect, it, vi } from 'vitest';
import { createTracker, TrackerConfigError, TrackerError } from '../src';
import { callEvent, ENDPOINT, names, rep, requested, startTracker, stubEndpoint, visitor } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('spec: retries and errors', () => {
  it('503 with Retry-After: 1 → delivery_failed, retried not before 1 s, same ids', async () => {
    const bodies: string[] = [];
    const times: number[] = [];
    let n = 0;
    let retried!: () => void;
    const retry = new Promise<void>((resolve) => (retried = resolve));
    vi.stubGlobal('fetch', async (_u: string, init: RequestInit) => {
      bodies.push(String(init.body));
      times.push(performance.now());
      if (bodies.length === 2) retried();
      return new Response(null, { status: n++ === 0 ? 503 : 200, headers: { 'retry-after': '1' } });
    });
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(errors.map((e) => e.code)).toEqual(['delivery_failed']);
    expect(errors[0]).toBeInstanceOf(TrackerError);
    await tracker.flush(); // backoff running: no attempt
    expect(bodies).toHaveLength(1);
    await retry;
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(990);
    const ids = bodies.map((b) => JSON.parse(b).events.map((e: { id: string }) => e.id));
    expect(ids[1]).toEqual(ids[0]);
  });

  it('a 400 batch is dropped and reported; later events still go', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(400);
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(codes()).toEqual(['delivery_rejected']);
    tracker.track(requested('c2'));
    await tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c2']);
  });

  it('a network error → delivery_failed, events kept', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0);
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(codes()).toEqual(['delivery_failed']);
    window.dispatchEvent(new Event('online'));
    await endpoint.requested(2);
    await tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c1']);
  });

  it('unknown_call and invalid_event are TrackerErrors; track never throws', async () => {
    const { tracker, errors } = startTracker();
    stubEndpoint();
    const evil = new Proxy({}, { get() { throw new Error('boom'); } });
    expect(() => tracker.track(evil as never)).not.toThrow();
    expect(() => tracker.track(undefined as never)).not.toThrow();
    tracker.track({ type: 'call.accepted', callId: 'nope' });
    tracker.track({ type: 'chat.message', from: 'rep' } as never);
    await tracker.flush();
    expect(errors.every((e) => e instanceof TrackerError)).toBe(true);
    expect(errors.map((e) => e.code)).toEqual(expect.arrayContaining(['invalid_event', 'unknown_call']));
  });

  it('config: defaults accepted, bounds 1 and 500 accepted, [::1] accepted; errors name the option', () => {
    for (const batchSize of [1, 500]) createTracker({ orgId: 'o', endpoint: ENDPOINT, batchSize }).shutdown();
    createTracker({ orgId: 'o', endpoint: 'http://[::1]:8080/x' }).shutdown();
    try {
      createTracker({ orgId: 'o', endpoint: 'http://example.com/x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TrackerConfigError);
      expect((e as TrackerConfigError).option).toBe('endpoint');
    }
  });
});

describe('spec: hide and pages', () => {
  it('visibilitychange to hidden sends what waits (keepalive/beacon)', async () => {
    const endpoint = stubEndpoint();
    const beacon = vi.fn(() => true);
    vi.stubGlobal('navigator', Object.assign(Object.create(navigator), { sendBeacon: beacon }));
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession();
    const spy = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    spy.mockRestore();
    // Synchronously, before any await: the page may be gone by then.
    const viaFetch = endpoint.requests.filter((r) => r.init.keepalive).length;
    expect(viaFetch + beacon.mock.calls.length).toBeGreaterThan(0);
  });

  it('page: path only, pageUrl wins, page() groups, missed carries the request page', async () => {
    const endpoint = stubEndpoint();
    history.pushState(null, '', '/host/page?q=secret#h');
    const { tracker } = startTracker({ page: (u) => (u.pathname.startsWith('/blog/') ? '/blog/*' : u.pathname) });
    tracker.track({ type: 'call.requested', callId: 'c1', pageUrl: 'https://site.example/blog/post-1?utm=x#top' });
    tracker.track({ type: 'call.canceled', callId: 'c1', pageUrl: 'https://site.example/checkout' });
    tracker.track({ ...visitor(), pageUrl: 'https://site.example/pricing?email=a@b' });
    tracker.track(rep('r1'));
    await tracker.flush();
    expect(endpoint.events().map((e) => [e.metric, e.page])).toEqual([
      ['inbound_call_requested', '/blog/*'],
      ['inbound_call_missed', '/blog/*'],
      ['inbound_chat_requested', '/pricing'],
      ['inbound_chat_answered', '/host/page'],
    ]);
    history.pushState(null, '', '/');
  });

  it('shutdown: flushes then ignores later events and hooks', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.shutdown();
    expect(names(endpoint.events())).toEqual(['inbound_call_requested']);
    tracker.track(callEvent('call.timeout', 'c1'));
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'c2' } }));
    await tracker.flush();
    await sleep(20);
    expect(names(endpoint.events())).toEqual(['inbound_call_requested']);
  });
});
