// @vitest-environment node
// Review findings in real Chromium: each test reproduces one suspected deviation from SPEC.md.
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

describe('review: delivery in Chromium', () => {
  for (const status of [300, 302]) {
    it(`a final ${status} answer (no Location) is neither 2xx nor 4xx: the batch is kept, not dropped`, async () => {
      const p = await openAppWith(s.context, s.web, { orgId: 'rv_base', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
      s.c.failNext(status);
      const r = await tryTracker(p, { orgId: `rv_${status}`, endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
      const statuses = s.c.posts().map((x) => x.status);
      expect({ codes: r.codes, statuses, delivered: s.c.unique().size }).toEqual({ codes: [], statuses: [status, 200], delivered: 1 });
    }, T);
  }
});

describe('review: config in Chromium', () => {
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
