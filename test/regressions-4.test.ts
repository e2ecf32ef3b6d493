// Regressions from a fourth review (session 4), of the third round of fixes; public API only:
// each failed before its fix.
import { describe, expect, it, vi } from 'vitest';
import { requested, startTracker } from './helpers';

/** A fetch whose keepalive requests wait until released; normal requests answer from `plan`. */
function heldEndpoint(plan: { status: number; retryAfter?: string }[]) {
  const log: string[] = [];
  const held: ((status: number) => void)[] = [];
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    const ids = JSON.parse(String(init.body)).events.map((e: { callId: string }) => e.callId).join(',');
    if (init.keepalive) {
      return new Promise<Response>((resolve) => held.push((status) => {
        log.push(`keepalive ${ids} ${status}`);
        resolve(new Response(null, { status }));
      }));
    }
    const { status, retryAfter } = plan.shift() ?? { status: 200 };
    log.push(`normal ${ids} ${status}`);
    return Promise.resolve(new Response(null, { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} }));
  });
  return { log, release: (status: number) => held.shift()?.(status) };
}

const setVisibility = (state: 'hidden' | 'visible') => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
};

describe('Retry-After and the answer to a keepalive request', () => {
  it('review4-retry-1: a 503 answering a keepalive request (no Retry-After) does not cut short the 60 s pause a 429 with Retry-After asked for meanwhile', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // our own backoff: its floor, 250 ms
    const ep = heldEndpoint([{ status: 429, retryAfter: '60' }]);
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    let log: string[] = [];
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.endSession(); // c1 stored, not sent (long interval)
    tracker.track(requested('c2')); // still queued as the tab is hidden
    try {
      setVisibility('hidden'); // keepalive with c1 (held); c2 goes the normal way: 429, Retry-After 60 s
      await new Promise((r) => setTimeout(r, 50));
      ep.release(503); // the keepalive request's answer arrives only now
      await new Promise((r) => setTimeout(r, 600)); // well within the 60 s the endpoint asked for
    } finally {
      log = [...ep.log];
      setVisibility('visible');
    }
    expect(log).toEqual(['normal c2 429', expect.stringMatching(/^keepalive c1(,c1)* 503$/)]);
  });
});

describe('IndexedDB lost while a drain that overflows the outbox is committing', () => {
  it('review4-lost-cap-1: an event the outbox cap dropped (queue_overflow reported) is not sent afterwards from the memory outbox', async () => {
    const ep = heldEndpoint([]);
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 1 });
    await tracker.flush(); // the database is open
    tracker.track(requested('c0'));
    await new Promise((r) => setTimeout(r, 50)); // c0 stored, not sent (long interval)
    tracker.track(requested('c1')); // its transaction starts in a microtask; it pushes c0 out
    // Same task: another tab (a newer SDK) upgrades the database (as in review3-lost-1).
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('engage-tracker:org_1', 2);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    await tracker.flush();
    await tracker.flush();
    const overflow = errors.filter((e) => e.code === 'queue_overflow').map((e) => e.message);
    expect({ overflow, sent: ep.log }).toEqual({ overflow: [expect.stringContaining('dropped the 1 oldest')], sent: ['normal c1 200'] });
  });
});
