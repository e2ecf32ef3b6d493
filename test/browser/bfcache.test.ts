// @vitest-environment node
// The back/forward cache in real Chromium: a page running the tracker stays eligible for it
// (README: the tracker never listens to unload, which would break it).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, LAUNCH_ARGS, browserSuite, flush, openAppWith, type AppWindow } from './harness';

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

  it('a page running the tracker (README: never unload, "which breaks the back/forward cache") stays eligible for the back/forward cache', async () => {
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

  it('a page whose tracker has nothing to send stays eligible for the back/forward cache', async () => {
    s.web.route('/pages/other.html', { body: '<!doctype html><title>other</title><p>other', type: 'text/html' });
    bfContext = await bf.newContext();
    const p = await openAppWith(bfContext, s.web, { endpoint: s.c.endpoint, flushIntervalMs: 60_000, orgId: 'rv2_bfcache_empty' });
    await flush(p);
    const r = await awayAndBack(p);
    expect(r.restored).toBe(true);
  }, T);
});
