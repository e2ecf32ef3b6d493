// @vitest-environment node
// Regressions in real Chromium: each test reproduces a deviation from SPEC.md that a review
// found (session 4); each failed before its fix.
import { describe, expect, it } from 'vitest';
import { browserSuite, openAppWith, type AppWindow } from './harness';

const s = browserSuite();
const T = 30_000;

/** Creates a tracker with `options` (plus endpoint, onError) in the page; tracks one call; flushes twice. */
const tryTracker = (page: import('playwright-core').Page, options: Record<string, unknown>) =>
  page.evaluate(async (options) => {
    const w = window as unknown as { EngageTracker: { createTracker(o: object): AppWindow['tracker'] } };
    const codes: string[] = [];
    let tracker;
    try {
      tracker = w.EngageTracker.createTracker({ ...options, onError: (e: { code: string }) => codes.push(e.code) });
    } catch (err) {
      return { threw: (err as { option?: string }).option ?? String(err), codes };
    }
    tracker.track({ type: 'call.requested', callId: 'c1' });
    await tracker.flush();
    dispatchEvent(new Event('online')); // cut the backoff short, try again
    await tracker.flush();
    await tracker.shutdown();
    return { threw: undefined, codes };
  }, options);

describe('delivery in Chromium', () => {
  for (const status of [300, 302]) {
    it(`a final ${status} answer (no Location) is neither 2xx nor 4xx: the batch is kept, not dropped`, async () => {
      const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
      s.c.failNext(status);
      const r = await tryTracker(p, { orgId: `rv_${status}`, endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
      const statuses = s.c.posts().map((x) => x.status);
      expect({ codes: r.codes, statuses, delivered: s.c.unique().size }).toEqual({ codes: ['delivery_failed'], statuses: [status, 200], delivered: 1 });
    }, T);
  }
});

describe('config in Chromium', () => {
  it('headers: a value fetch cannot send (not a ByteString) is refused by createTracker, not retried forever', async () => {
    const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    const r = await tryTracker(p, { orgId: 'rv_hdr', endpoint: s.c.endpoint, flushIntervalMs: 60_000, headers: { 'x-site': '東京' } });
    expect({ threw: r.threw, codes: r.codes, posts: s.c.posts().length }).toEqual({ threw: 'headers', codes: [], posts: 0 });
  }, T);

  it('headers: a name fetch cannot send is refused by createTracker, not retried forever', async () => {
    const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    const r = await tryTracker(p, { orgId: 'rv_hdr2', endpoint: s.c.endpoint, flushIntervalMs: 60_000, headers: { 'x site': '1' } });
    expect({ threw: r.threw, codes: r.codes, posts: s.c.posts().length }).toEqual({ threw: 'headers', codes: [], posts: 0 });
  }, T);

  it('endpoint: a URL with credentials (fetch refuses it) is refused by createTracker, not retried forever', async () => {
    const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    const endpoint = s.c.endpoint.replace('http://', 'http://user:pw@');
    const r = await tryTracker(p, { orgId: 'rv_cred', endpoint, flushIntervalMs: 60_000 });
    expect({ threw: r.threw, codes: r.codes, posts: s.c.posts().length }).toEqual({ threw: 'endpoint', codes: [], posts: 0 });
  }, T);
});

describe('two tabs without IndexedDB in Chromium', () => {
  for (const control of [false, true]) it(control ? 'control: with tab A on another org, tab B sends b1 as it closes' : "tab A delivering its in-memory event does not make tab B drop its own, different event as B closes", async () => {
    // IndexedDB missing (as in some private modes): every tab works in memory.
    await s.context.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
    const opts = { orgId: 'rv_mem', endpoint: s.c.endpoint, flushIntervalMs: 60_000 };
    const a = await openAppWith(s.context, s.web, control ? { ...opts, orgId: 'rv_mem_other' } : opts);
    const b = await openAppWith(s.context, s.web, opts);
    await a.evaluate(() => (window as unknown as AppWindow).tracker.flush());
    await b.evaluate(() => (window as unknown as AppWindow).tracker.flush());
    await b.evaluate(() => {
      const t = (window as unknown as AppWindow).tracker;
      t.track({ type: 'call.offered', callId: 'b1', repId: 'r1' });
      return t.endSession(); // stored in B's memory outbox, not sent (interval 60 s)
    });
    await a.evaluate(() => {
      const t = (window as unknown as AppWindow).tracker;
      t.track({ type: 'call.offered', callId: 'a1', repId: 'r1' });
      return t.flush(); // A delivers its event
    });
    await s.c.uniqueEvents(1, 'a1', 5_000);
    await new Promise((r) => setTimeout(r, 1_000)); // A's "delivered" message reaches B
    await b.close({ runBeforeUnload: true }); // B goes: what it sends as it hides is all that is left of b1
    await s.c.uniqueEvents(2, 'a1 and b1', 5_000).catch(() => {});
    // As the page hides, the tracker sends what it holds with keepalive (text/plain): a plain
    // fetch started during pagehide may be cancelled with the page (observed: b1 then sometimes
    // never arrives). Where did b1 go out?
    const b1 = s.c.posts().filter((r) => r.events.some((e) => e.callId === 'b1')).map((r) => r.contentType.split(';')[0]);
    expect(b1).toEqual(['text/plain']);
  }, T);
});

describe('onError in Chromium', () => {
  it('an async onError whose promise rejects (e.g. a failed report upload) does not surface as an unhandled rejection on the page', async () => {
    const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    const pageErrors = await p.evaluate(async (endpoint) => {
      const w = window as unknown as AppWindow & { EngageTracker: { createTracker(o: object): AppWindow['tracker'] } };
      const tracker = w.EngageTracker.createTracker({
        orgId: 'rv_async', endpoint, flushIntervalMs: 60_000,
        onError: async () => { throw new Error('report upload failed'); },
      });
      tracker.track({ type: 'nonsense' } as never); // invalid_event → onError
      await tracker.flush();
      await new Promise((r) => setTimeout(r, 100));
      return w.pageErrors;
    }, s.c.endpoint);
    expect(pageErrors).toEqual([]);
  }, T);
});
