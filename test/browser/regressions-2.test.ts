// @vitest-environment node
// Regressions from a second review (session 4), in real Chromium: each failed before its fix.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, LAUNCH_ARGS, browserSuite, openAppWith, type AppWindow } from './harness';

const s = browserSuite();
/** Playwright launches Chromium with --disable-back-forward-cache: a browser without that flag. */
let bf: Browser;
let bfContext: BrowserContext;
beforeAll(async () => {
  bf = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
}, 60_000);
afterEach(async () => {
  await bfContext?.close();
});
afterAll(async () => {
  await bf?.close();
});
const T = 60_000;

const track = (p: Page, ...events: object[]) =>
  p.evaluate((evs) => {
    for (const e of evs) (window as unknown as AppWindow).tracker.track(e);
  }, events);
const flush = (p: Page) => p.evaluate(() => (window as unknown as AppWindow).tracker.flush());

/** Leaves the page for another page of the origin, comes back, and says whether it was restored from the back/forward cache. */
async function awayAndBack(p: Page): Promise<{ restored: boolean; reasons: unknown }> {
  // Chromium's own word on why a page was not cached (CDP), besides notRestoredReasons.
  const cdp = await p.context().newCDPSession(p);
  const notUsed: unknown[] = [];
  cdp.on('Page.backForwardCacheNotUsed', (e) => notUsed.push(e.notRestoredExplanations));
  await cdp.send('Page.enable');
  await p.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  await p.goto(`${s.web.origin}/pages/other.html`);
  // A page restored from the cache fires no load: wait for the commit, then for the document.
  await p.goBack({ waitUntil: 'commit' });
  await p.waitForFunction(() => document.readyState === 'complete');
  if (notUsed.length) console.log('[bfcache] not used:', JSON.stringify(notUsed));
  return p.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming & { notRestoredReasons?: unknown };
    return { restored: (window as unknown as { marker?: number }).marker === 1, reasons: JSON.parse(JSON.stringify(nav?.notRestoredReasons ?? null)) };
  });
}

describe('back/forward cache', () => {
  it('control: a page of this origin without the tracker is restored from the back/forward cache (headless Chromium has it)', async () => {
    s.web.route('/pages/other.html', { body: '<!doctype html><title>other</title><p>other', type: 'text/html' });
    s.web.route('/pages/plain.html', { body: '<!doctype html><title>plain</title><p>plain', type: 'text/html' });
    bfContext = await bf.newContext();
    const p = await bfContext.newPage();
    await p.goto(`${s.web.origin}/pages/plain.html`);
    const r = await awayAndBack(p);
    expect(r.restored).toBe(true);
  }, T);

  it('control: the same app page (bundle loaded, tracker created) whose tracker was shut down is restored from the back/forward cache', async () => {
    s.web.route('/pages/other.html', { body: '<!doctype html><title>other</title><p>other', type: 'text/html' });
    bfContext = await bf.newContext();
    const p = await openAppWith(bfContext, s.web, { endpoint: s.c.endpoint, flushIntervalMs: 60_000, orgId: 'rv2_bfcache_off' });
    await track(p, { type: 'call.requested', callId: 'b0' });
    await p.evaluate(() => (window as unknown as AppWindow).tracker.shutdown());
    const r = await awayAndBack(p);
    expect(r.restored).toBe(true);
  }, T);

  it('review2-bfcache-1: a page running the tracker (README: never unload, "which breaks the back/forward cache") stays eligible for the back/forward cache', async () => {
    s.web.route('/pages/other.html', { body: '<!doctype html><title>other</title><p>other', type: 'text/html' });
    bfContext = await bf.newContext();
    const p = await openAppWith(bfContext, s.web, { endpoint: s.c.endpoint, flushIntervalMs: 60_000, orgId: 'rv2_bfcache' });
    await track(p, { type: 'call.requested', callId: 'b1' });
    await flush(p);
    await s.c.uniqueEvents(1, 'b1', 10_000);
    const r = await awayAndBack(p);
    expect(r.restored, JSON.stringify(r.reasons)).toBe(true);
    // Back from the cache, it sends as before.
    await track(p, { type: 'call.requested', callId: 'b2' });
    await flush(p);
    await s.c.uniqueEvents(2, 'b2 after the restore', 10_000);
  }, T);

  it('review2-bfcache-2: a page whose tracker has nothing to send stays eligible for the back/forward cache', async () => {
    s.web.route('/pages/other.html', { body: '<!doctype html><title>other</title><p>other', type: 'text/html' });
    bfContext = await bf.newContext();
    const p = await openAppWith(bfContext, s.web, { endpoint: s.c.endpoint, flushIntervalMs: 60_000, orgId: 'rv2_bfcache_empty' });
    await flush(p);
    const r = await awayAndBack(p);
    expect(r.restored).toBe(true);
  }, T);
});


describe('custom headers and the hide path', () => {
  it('review2-headers-1: a tab switch (visibilitychange to hidden and back) with an endpoint that needs the `headers` API key does not lose the waiting events for good', async () => {
    const { createServer } = await import('node:http');
    const got: { status: number; metrics: string[]; type: string }[] = [];
    // A collector that, like many, authenticates with a header the site passes in `headers`.
    const server = createServer((req, res) => {
      const cors = { 'access-control-allow-origin': req.headers.origin ?? '*', 'access-control-allow-headers': 'content-type, x-api-key', 'access-control-allow-methods': 'POST' };
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = req.headers['x-api-key'] === 'k' ? 200 : 401;
        got.push({ status, type: String(req.headers['content-type']), metrics: JSON.parse(Buffer.concat(chunks).toString()).events.map((e: { metric: string }) => e.metric) });
        res.writeHead(status, cors).end();
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/engage`;
    try {
      const p = await openAppWith(s.context, s.web, { orgId: 'rv2_headers', endpoint, flushIntervalMs: 60_000, headers: { 'x-api-key': 'k' } });
      await p.evaluate(async () => {
        const { tracker } = window as unknown as AppWindow;
        tracker.track({ type: 'call.requested', callId: 'h1' });
        await tracker.endSession(); // stored; the interval is a minute: nothing sent yet
      });
      // The visitor switches to another tab for a moment and comes back (headless Chromium has
      // no tab switch: the page's visibilityState is overridden and the event fired).
      await p.evaluate(async () => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        await new Promise((r) => setTimeout(r, 500));
        Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await flush(p);
      await flush(p);
      const codes = await p.evaluate(() => (window as unknown as AppWindow).trackerErrors.map((e) => e.code));
      console.log('[review2-headers-1]', JSON.stringify(got), codes);
      const delivered = got.filter((r) => r.status === 200).flatMap((r) => r.metrics).sort();
      expect(delivered).toEqual(['inbound_call_missed', 'inbound_call_requested']);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  }, T);
});
