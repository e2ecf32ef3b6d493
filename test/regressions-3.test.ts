// Regressions from a third review (session 4) of that session's own changes, public API only:
// each failed before its fix.
import { describe, expect, it, vi } from 'vitest';
import { names, offered, requested, startTracker, stubEndpoint } from './helpers';

describe('IndexedDB lost while a drain is committing', () => {
  it('review3-lost-1: an event whose transaction was under way when another tab upgraded the database is still sent by flush()', async () => {
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush(); // the database is open, the start activity stored
    tracker.track(requested('c1')); // drained in a microtask: its readwrite transaction starts
    // Same task: another tab (a newer SDK) opens the database at a higher version. Our
    // connection gets versionchange while the transaction runs; closing lets it finish.
    const upgraded = new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('engage-tracker:org_1', 2);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    await upgraded;
    await tracker.flush();
    await tracker.flush();
    expect({ sent: names(endpoint.events()), codes: codes() }).toEqual({ sent: ['inbound_call_requested'], codes: ['storage_failed'] });
  });
});

describe('outbox cap across trackers of one origin', () => {
  it('review3-cap-1: events the outbox cap dropped because another tab (here: another tracker of the org) stored more are not sent as the page hides', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(...Array(20).fill(0)); // offline
    const a = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 5 });
    const b = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 5 });
    await a.tracker.flush();
    await b.tracker.flush();
    for (let i = 0; i < 5; i++) a.tracker.track(offered(`a${i}`));
    await a.tracker.flush();
    for (let i = 0; i < 5; i++) b.tracker.track(offered(`b${i}`));
    await b.tracker.flush(); // the outbox holds 10 > 5: the 5 oldest (a0…a4) are dropped
    const overflow = [...a.errors, ...b.errors].filter((e) => e.code === 'queue_overflow').map((e) => e.message);
    const before = endpoint.requests.length;
    window.dispatchEvent(new Event('pagehide'));
    const sentOnHide = endpoint.requests.slice(before).filter((r) => r.init.keepalive)
      .flatMap((r) => JSON.parse(String(r.init.body)).events.map((e: { callId: string }) => e.callId));
    expect({ overflow, sentOnHide: sentOnHide.sort() }).toEqual({ overflow: [expect.stringContaining('dropped the 5 oldest')], sentOnHide: ['b0', 'b1', 'b2', 'b3', 'b4'] });
  });
});

describe('Retry-After on the hide path', () => {
  it('review3-retry-1: a 429 with Retry-After answering the keepalive request sent as the page hid holds back the normal path once the page shows again', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.endSession(); // stored, not sent (long interval)
    endpoint.answer(429); // with Retry-After: 2 (helpers)
    window.dispatchEvent(new Event('pagehide')); // keepalive request: 429, Retry-After 2 s
    await endpoint.requested(1);
    await new Promise((r) => setTimeout(r, 20)); // its answer is handled
    const t = Date.now();
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })); // back from the back/forward cache
    await tracker.flush();
    const within = Date.now() - t < 2_000;
    expect({ within, requests: endpoint.requests.map((r) => (r.init.keepalive ? 'keepalive ' : 'normal ') + r.status) }).toEqual({ within: true, requests: ['keepalive 429'] });
  });
});

describe('allowedOrigins', () => {
  it('review3-origins-1: "null", the origin a sandboxed widget iframe posts from, is accepted and its events tracked (it was before today)', async () => {
    const endpoint = stubEndpoint();
    let refused: unknown;
    try {
      const { tracker } = startTracker({ flushIntervalMs: 3_600_000, allowedOrigins: ['null'] });
      window.dispatchEvent(new MessageEvent('message', { data: { engage: { type: 'call.requested', callId: 'c1' } }, origin: 'null', source: window }));
      await tracker.flush();
    } catch (err) {
      refused = (err as { option?: string }).option ?? String(err);
    }
    expect({ refused, sent: names(endpoint.events()) }).toEqual({ refused: undefined, sent: ['inbound_call_requested'] });
  });
});

describe('the stash without IndexedDB, on a real pagehide', () => {
  it('review3-stash-1: an event still queued as the page goes away (pagehide, not shown again) reaches the endpoint, from this page or the next', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode: memory, and the localStorage stash
    const endpoint = stubEndpoint();
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    await first.tracker.flush();
    // The tab is already hidden (the visitor switched tabs); the widget reports a request and
    // the tab is closed in the same task: pagehide alone, no visibilitychange follows.
    first.tracker.track(requested('c1'));
    window.dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r, 20)); // the page's last microtasks; then it is gone
    // Next page load of the same site.
    const next = startTracker({ flushIntervalMs: 3_600_000 });
    await next.tracker.flush();
    expect(endpoint.events().filter((e) => e.callId === 'c1').map((e) => e.metric)).toEqual(['inbound_call_requested']);
  });
});

describe('Retry-After without IndexedDB', () => {
  it('review3-retry-2: hiding the page for good during a Retry-After, with the outbox in memory, still gets the events out (nothing else keeps them for the next page)', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode
    const endpoint = stubEndpoint();
    endpoint.answer(429); // Retry-After: 2
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    first.tracker.track(requested('c1'));
    await first.tracker.flush(); // 429: the endpoint asks for 2 s
    window.dispatchEvent(new Event('pagehide')); // the tab is closed
    await new Promise((r) => setTimeout(r, 20));
    const next = startTracker({ flushIntervalMs: 3_600_000 }); // next page load, seconds later
    await next.tracker.flush();
    expect(endpoint.events().filter((e) => e.callId === 'c1').map((e) => e.metric)).toEqual(['inbound_call_requested']);
  });
});
