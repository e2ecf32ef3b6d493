// @vitest-environment node
// The guarantees a site relies on, in every engine a visitor may use: Chromium, Firefox and
// WebKit (Safari's engine), each through test/browser/engines/. Written once, run per engine
// (ENGINES=firefox runs one). A step an engine's automation cannot do is reported as a skipped
// test that names the reason, never left out silently.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appUrl, callIds, countLine, dist, embedWidget, ROOT, snippetFor, withPrefix, type AppWindow, type Collector } from './harness';
import { CANNOT, selectedEngines, waitInPage, type EngineName, type Step, type Tab } from './engines/index';
import { engineSuite, errorCodes, flush, openApp, outboxHolds, pageErrors, receivedCalls, track, trackCalls } from './engines/suite';

const T = 45_000;

/**
 * `it`, or a skipped test whose name says why this engine cannot run it; the reason is printed
 * too, since a passing run's report lists skipped tests by count only.
 */
function itNeeds(engine: EngineName, step: Step) {
  const reason = CANNOT[engine][step];
  return (name: string, fn: () => Promise<void>, timeout: number) => {
    if (!reason) return it(name, fn, timeout);
    beforeAll(() => console.log(`[${engine}] SKIPPED "${name}": ${engine} cannot: ${reason}`));
    it.skip(`${name} — not in ${engine}: ${reason}`, fn, timeout);
  };
}

/** Which tab (x-tab header) sent each event id, any answer. */
function sendersOf(c: Collector): Map<string, Set<string>> {
  const senders = new Map<string, Set<string>>();
  for (const r of c.posts()) for (const id of r.ids) senders.set(id, (senders.get(id) ?? new Set()).add(r.tab ?? 'hide'));
  return senders;
}

const OTHER_PAGE = '<!doctype html><meta charset="utf-8"><title>other</title><p>another page of the site';

/** A module page importing the npm build (dist/index.js), as a bundler would ship it. */
const ESM_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>esm</title></head><body>
<script type="module">
import { createTracker } from '/dist/index.js';
window.trackerErrors = [];
window.tracker = createTracker({ ...JSON.parse(new URLSearchParams(location.search).get('o')), onError: (e) => window.trackerErrors.push({ code: e.code }) });
</script></body></html>`;

/** Loaded first by the strict-CSP page (a 'self' script): records every violation. */
const CSP_PROBE = `document.addEventListener('securitypolicyviolation', function (e) {
  (window.cspViolations = window.cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber);
}, true);
window.cspViolations = [];`;

describe.each(selectedEngines())('%s', (name) => {
  const s = engineSuite(name);
  beforeAll(() => {
    s.web.route('/pages/other.html', { body: OTHER_PAGE, type: 'text/html; charset=utf-8', headers: { 'cache-control': 'no-cache' } });
    s.web.route('/bf/app.html', { body: readFileSync(join(ROOT, 'test/browser/pages/app.html')), type: 'text/html; charset=utf-8', headers: { 'cache-control': 'no-cache' } });
    s.web.route('/esm/page.html', { body: ESM_PAGE, type: 'text/html; charset=utf-8' });
    for (const f of ['index.js', 'metrics.js']) s.web.route('/dist/' + f, { body: readFileSync(join(ROOT, 'dist', f)), type: 'text/javascript; charset=utf-8' });
  });

  describe('bundles', () => {
    it('the script-tag bundle (IIFE) loads and tracks', async () => {
      const { c } = s;
      const tab = await openApp(s, { org: 'e_iife', endpoint: c.endpoint, flushIntervalMs: 60_000 });
      await track(tab, [{ type: 'chat.message', from: 'visitor' }, { type: 'call.requested', callId: 'iife-1' }]);
      await flush(tab);
      await c.uniqueEvents(2, 'IIFE events', 10_000);
      countLine(`${name} iife`, 2, c);
      expect([...c.unique().values()].map((e) => e.metric).sort()).toEqual(['inbound_call_requested', 'inbound_chat_requested']);
      expect([...c.unique().values()].every((e) => e.orgId === 'e_iife' && e.page === '/pages/app.html')).toBe(true);
      expect(await errorCodes(tab)).toEqual([]);
      expect(await pageErrors(tab)).toEqual([]);
    }, T);

    it('the npm bundle (ESM) loads and tracks', async () => {
      const { c, web } = s;
      const o = { orgId: 'e_esm', endpoint: c.endpoint, flushIntervalMs: 60_000 };
      const tab = await s.profile.open(`${web.origin}/esm/page.html?o=${encodeURIComponent(JSON.stringify(o))}`);
      await waitInPage(tab, () => 'tracker' in window, null, 'the ESM tracker');
      await track(tab, [{ type: 'call.requested', callId: 'esm-1' }, { type: 'call.answered', callId: 'esm-1', repId: 'r1' }]);
      await flush(tab);
      await c.uniqueEvents(2, 'ESM events', 10_000);
      countLine(`${name} esm`, 2, c);
      expect([...c.unique().values()].map((e) => e.metric)).toEqual(['inbound_call_requested', 'inbound_call_answered']);
      expect(await errorCodes(tab)).toEqual([]);
    }, T);
  });

  describe('a page going away', () => {
    // Firefox keeps no page served with Cache-Control: no-store (the static server's default) in
    // its back/forward cache: this copy of app.html is served as a site would serve it.
    const openCacheableApp = async (org: string) => {
      const tab = await s.profile.open(appUrl(s.web, { org, endpoint: s.c.endpoint, flushIntervalMs: 60_000 }).replace('/pages/app.html', '/bf/app.html'));
      await waitInPage(tab, () => 'tracker' in window, null, 'the tracker');
      return tab;
    };
    /** A mark on the page's window: still there after going back only if the page was restored, not reloaded. */
    const mark = (tab: Tab) => tab.evaluate(() => void ((window as unknown as { marker: number }).marker = 1), null);
    const isMarked = (tab: Tab) => tab.evaluate(() => (window as unknown as { marker?: number }).marker === 1, null);

    it('a reload right after a burst of 50 keeps 50 of 50, none twice', async () => {
      const { c } = s;
      const org = 'e_reload';
      // Nothing but the reload sends these: no full batch (100), no interval (a minute).
      const tab = await openApp(s, { org, endpoint: c.endpoint, flushIntervalMs: 60_000, batchSize: 100 });
      await flush(tab);
      const ids = callIds('reload', 50);
      await tab.evaluateAndNavigate((ids) => {
        const { tracker } = window as unknown as AppWindow;
        for (const callId of ids) tracker.track({ type: 'call.requested', callId });
        location.reload();
      }, ids);
      await waitInPage(tab, () => 'tracker' in window, null, 'the reloaded tracker');
      await c.uniqueEvents(50, 'events tracked before the reload', 15_000, withPrefix('reload'));
      await flush(tab); // what the new page still holds gets its chance to show as a duplicate
      const trail = c.posts().map((r) => `${r.contentType.startsWith('text/plain') ? 'k' : 'n'}${r.ids.length}`).join(' ');
      countLine(`${name} reload`, 50, c, `POSTs (k = keepalive, n = normal) ${trail}`);
      expect(receivedCalls(c)).toEqual(new Set(ids));
      expect(c.duplicates()).toBe(0);
      expect(await errorCodes(tab)).toEqual([]);
    }, T);

    it('closing a tab with a queued outbox delivers it', async () => {
      const { c } = s;
      const org = 'e_close';
      const tab = await openApp(s, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
      await flush(tab); // the start-up send is over: nothing sends these events but the close
      const ids = callIds('close', 10);
      await trackCalls(tab, ids);
      await outboxHolds(tab, org, 10);
      expect(c.posts()).toHaveLength(0);
      await tab.close();
      await c.uniqueEvents(10, 'events from the closed tab', 10_000);
      countLine(`${name} close`, 10, c, `content types ${[...new Set(c.posts().map((r) => r.contentType.split(';')[0]))].join(' ')}`);
      expect(receivedCalls(c)).toEqual(new Set(ids));
      expect(c.duplicates()).toBe(0);
    }, T);

    it('back/forward cache: leaving and returning restores the page; what was queued is delivered once, and tracking goes on', async () => {
      const { c, web } = s;
      const tab = await openCacheableApp('e_bfcache');
      await trackCalls(tab, callIds('before', 3));
      await flush(tab);
      await c.uniqueEvents(3, 'events before leaving', 10_000);
      // Queued when the visitor leaves: the hide path sends them.
      await trackCalls(tab, callIds('queued', 3));
      await mark(tab);
      await tab.evaluateAndNavigate((url) => void (location.href = url), `${web.origin}/pages/other.html`);
      await tab.back();
      // Sent as the page hid when they were stored by then, else by the restored page: what
      // is still being written at pagehide waits for the page to show again (README).
      await c.uniqueEvents(6, 'events queued as the page left', 10_000);
      const restored = await isMarked(tab);
      await trackCalls(tab, callIds('after', 3));
      await flush(tab);
      await c.uniqueEvents(9, 'events after returning', 10_000);
      countLine(`${name} bfcache`, 9, c, `restored from the back/forward cache: ${restored}`);
      expect(restored).toBe(true);
      expect(c.unique().size).toBe(9);
      expect(c.duplicates()).toBe(0);
      expect(await errorCodes(tab)).toEqual([]);
      expect(await pageErrors(tab)).toEqual([]);
    }, T);

    it('leaving while IndexedDB is still writing, then coming back: what was tracked is delivered once, and tracking goes on', async () => {
      const { c, web } = s;
      const org = 'e_busy';
      const tab = await openCacheableApp(org);
      await flush(tab);
      await mark(tab);
      // A long transaction of the page's own on the tracker's database holds the tracker's
      // transaction behind it, so the page leaves with both under way. Firefox ends them
      // unannounced as the page enters the back/forward cache (Chromium and WebKit keep them).
      await tab.evaluateAndNavigate(({ url, ids, db }) => {
        const open = indexedDB.open(db);
        open.onsuccess = () => {
          const busy = open.result.transaction('kv', 'readwrite').objectStore('kv');
          const until = performance.now() + 500; // past pagehide, whatever the engine's speed
          const write = () => (busy.put(0, 'busy').onsuccess = () => void (performance.now() < until && write()));
          write();
          for (const callId of ids) (window as unknown as AppWindow).tracker.track({ type: 'call.requested', callId });
          location.href = url;
        };
      }, { url: `${web.origin}/pages/other.html`, ids: callIds('busy', 3), db: `engage-tracker:${org}` });
      await tab.back();
      await c.uniqueEvents(3, 'events tracked as the page left', 10_000);
      const restored = await isMarked(tab);
      await trackCalls(tab, callIds('busy-after', 3));
      await flush(tab);
      await c.uniqueEvents(6, 'events after coming back', 10_000);
      countLine(`${name} busy`, 6, c, `restored from the back/forward cache: ${restored}`);
      expect(receivedCalls(c)).toEqual(new Set([...callIds('busy', 3), ...callIds('busy-after', 3)]));
      expect(c.duplicates()).toBe(0);
      expect(await errorCodes(tab)).toEqual([]);
    }, T);
  });

  describe('delivery', () => {
    itNeeds(name, 'offline')('offline then back online: all delivered with the same ids, no request storm', async () => {
      const { c } = s;
      const org = 'e_offline';
      const tab = await openApp(s, { org, endpoint: c.endpoint, flushIntervalMs: 200, batchSize: 5 });
      await s.profile.setOffline(true);
      expect(await tab.evaluate(() => navigator.onLine, null)).toBe(false);
      const ids = callIds('offline', 20);
      await trackCalls(tab, ids);
      for (let i = 0; i < 10; i++) {
        await flush(tab);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(c.posts().filter((r) => r.status >= 200 && r.status < 300)).toHaveLength(0);
      const back = Date.now();
      await s.profile.setOffline(false);
      // The online event cuts the backoff short: well under the next backoff step.
      await c.uniqueEvents(20, 'events after going online', 5_000);
      countLine(`${name} offline`, 20, c, `${c.posts().length} POSTs reached the collector, all in ${Date.now() - back} ms after online`);
      expect(c.unique().size).toBe(20); // retries kept their ids: no event minted twice
      expect(receivedCalls(c)).toEqual(new Set(ids));
      expect(c.duplicates()).toBe(0);
      expect(c.posts().length).toBeLessThanOrEqual(8); // 4 batches of 5, and no storm
    }, T);

    it('collector unreachable then back: all delivered with the ids first tried, no request storm', async () => {
      const { c } = s;
      const org = 'e_down';
      // A 200 ms interval and flush() every 300 ms: a client without backoff would send dozens of times.
      const tab = await openApp(s, { org, endpoint: c.endpoint, flushIntervalMs: 200, batchSize: 10, fetches: true });
      await flush(tab);
      c.down();
      const ids = callIds('down', 20);
      await trackCalls(tab, ids);
      const outageEnds = Date.now() + 4_000;
      while (Date.now() < outageEnds) {
        await flush(tab);
        await new Promise((r) => setTimeout(r, 300));
      }
      // The SDK's own attempts; what reached the collector is connections, which a browser may retry.
      const attempts = (await tab.evaluate(() => (window as unknown as { fetchCalls: [string, number][] }).fetchCalls, null)).filter(([url]) => url === c.endpoint);
      const connections = c.requests.length;
      c.up();
      await c.uniqueEvents(20, 'events after the outage', 45_000);
      countLine(`${name} down`, 20, c, `${attempts.length} fetch() attempts in the 4 s outage at ${attempts.map(([, at]) => at).join(' ')} ms; ${connections} connections reached the collector`);
      expect(attempts.length).toBeGreaterThanOrEqual(1);
      expect(attempts.length).toBeLessThanOrEqual(8); // 2 batches, each retried with a growing backoff
      // Retries carry the ids of the first try: 20 events arrive as 20 ids, none twice.
      expect(c.unique().size).toBe(20);
      expect(receivedCalls(c)).toEqual(new Set(ids));
      expect(c.duplicates()).toBe(0);
      expect(new Set(await errorCodes(tab))).toEqual(new Set(['delivery_failed']));
    }, 75_000);

    it('two tabs of one session: each rule counts once, no batch sent twice', async () => {
      const { c } = s;
      const org = 'e_tabs';
      const opts = { org, endpoint: c.endpoint, flushIntervalMs: 100, batchSize: 5 };
      const a = await openApp(s, { ...opts, tab: 'A' });
      const b = await openApp(s, { ...opts, tab: 'B' });
      const tabs = [a, b];
      // Both tabs show the visitor's first message at the same instant, then both keep tracking
      // in bursts while their senders contend for one outbox. Scheduled in the pages, so the
      // driver's own pace (one command at a time in WebKit) does not decide the timing.
      const at = Date.now() + 500;
      await Promise.all(
        tabs.map((tab, t) =>
          tab.evaluate(
            ({ at, prefix }) => {
              const { tracker } = window as unknown as AppWindow;
              setTimeout(async () => {
                tracker.track({ type: 'chat.message', from: 'visitor' });
                for (let burst = 0; burst < 6; burst++) {
                  for (let i = 0; i < 5; i++) tracker.track({ type: 'call.requested', callId: `${prefix}-${burst * 5 + i}` });
                  await new Promise((r) => setTimeout(r, 40));
                }
              }, at - Date.now());
            },
            { at, prefix: `tab${'AB'[t]}` },
          ),
        ),
      );
      await c.uniqueEvents(61, 'events from both tabs', 20_000);
      await Promise.all(tabs.map(flush));
      const received = [...c.unique().values()];
      const byBoth = [...sendersOf(c).values()].filter((t) => t.size > 1).length;
      countLine(`${name} tabs`, 62, c, `${received.filter((e) => e.metric === 'inbound_chat_requested').length} inbound_chat_requested (2 visitor messages), ${byBoth} ids sent by both tabs`);
      expect(received.filter((e) => e.metric === 'inbound_chat_requested')).toHaveLength(1);
      expect(received).toHaveLength(61);
      expect(new Set(received.map((e) => e.sessionId)).size).toBe(1);
      expect(byBoth).toBe(0);
      expect(c.duplicates()).toBe(0);
      expect(await errorCodes(a)).toEqual([]);
      expect(await errorCodes(b)).toEqual([]);
    }, T);
  });

  describe('storage', () => {
    it('IndexedDB that throws at open: storage_unavailable once, events still delivered', async () => {
      const { c } = s;
      const tab = await openApp(s, { org: 'e_idb_throw', endpoint: c.endpoint, flushIntervalMs: 60_000, idb: 'throw' });
      const ids = callIds('nodb', 10);
      await trackCalls(tab, ids);
      await flush(tab);
      await c.uniqueEvents(10, 'events without IndexedDB', 10_000);
      countLine(`${name} idb-throws`, 10, c);
      expect(receivedCalls(c)).toEqual(new Set(ids));
      expect(await errorCodes(tab)).toEqual(['storage_unavailable']);
      expect(await pageErrors(tab)).toEqual([]);
    }, T);

    it('an IndexedDB connection closed mid-session: falls back, keeps the session and still delivers', async () => {
      const { c } = s;
      const org = 'e_idb_closed';
      const tab = await openApp(s, { org, endpoint: c.endpoint, flushIntervalMs: 60_000, idb: 'spy' });
      await track(tab, [{ type: 'chat.message', from: 'visitor' }, { type: 'call.requested', callId: 'closed-0' }]);
      await flush(tab);
      await c.uniqueEvents(2, 'events before the connection closed', 10_000);
      // The connection closes under the tracker: from now on every transaction throws.
      const closed = await tab.evaluate(() => {
        const connections = (window as unknown as { idbConnections: IDBDatabase[] }).idbConnections;
        for (const db of connections) db.close();
        return connections.length;
      }, null);
      expect(closed).toBeGreaterThan(0);
      const ids = callIds('closed', 10).slice(1);
      await track(tab, [{ type: 'chat.message', from: 'visitor' }, { type: 'call.answered', callId: 'closed-0', repId: 'r1' }]);
      await trackCalls(tab, ids);
      await flush(tab);
      await c.uniqueEvents(12, 'events after the connection closed', 10_000);
      await flush(tab);
      const received = [...c.unique().values()];
      const codes = await errorCodes(tab);
      countLine(`${name} idb-closed`, 13, c, `errors ${codes.join(',') || 'none'}`);
      expect(received.filter((e) => e.metric === 'inbound_chat_requested')).toHaveLength(1); // state kept: not counted again
      expect(received.filter((e) => e.metric === 'inbound_call_answered')).toHaveLength(1);
      expect(receivedCalls(c)).toEqual(new Set([undefined, 'closed-0', ...ids]));
      expect(new Set(received.map((e) => e.sessionId)).size).toBe(1);
      expect(c.duplicates()).toBe(0);
      // Reopened once (a lost connection) or moved to memory (storage_failed, once): either way nothing else to report.
      expect(codes.filter((code) => code !== 'storage_failed')).toEqual([]);
      expect(codes.length).toBeLessThanOrEqual(1);
      expect(await pageErrors(tab)).toEqual([]);
    }, T);
  });

  describe('the host page', () => {
    it('a strict CSP page (snippet + async bundle): 0 violations, queued events delivered', async () => {
      const { c, web } = s;
      const org = 'e_csp';
      const csp = `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${c.origin}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
      const loader = [
        snippetFor(`${web.origin}/csp/engage-tracker.min.js`),
        `engage('track', { type: 'call.requested', callId: 'csp-0' });`,
        `engage('init', { orgId: '${org}', endpoint: '${c.endpoint}', flushIntervalMs: 60000 });`,
        `engage('track', { type: 'chat.message', from: 'visitor' });`,
        `engage('track', { type: 'call.requested', callId: 'csp-1' });`,
        `engage('flush');`,
      ].join('\n');
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>strict CSP</title><link rel="icon" href="/csp/favicon.ico">
<script src="/csp/probe.js"></script><script src="/csp/loader.js"></script></head>
<body><p>A customer page with a strict Content-Security-Policy.</p></body></html>`;
      web.route('/csp/index.html', { body: html, type: 'text/html; charset=utf-8', headers: { 'content-security-policy': csp } });
      web.route('/csp/probe.js', { body: CSP_PROBE, type: 'text/javascript' });
      web.route('/csp/loader.js', { body: loader, type: 'text/javascript' });
      web.route('/csp/favicon.ico', { body: '', type: 'image/x-icon' });
      web.route('/csp/engage-tracker.min.js', { body: dist().get('engage-tracker.min.js') as Buffer, type: 'text/javascript' });
      const tab = await s.profile.open(`${web.origin}/csp/index.html`);
      await c.uniqueEvents(3, 'queued events', 10_000);
      await tab.evaluate(() => {
        const engage = (window as unknown as { engage: (...args: unknown[]) => unknown }).engage;
        engage('track', { type: 'call.requested', callId: 'csp-2' });
        return engage('flush');
      }, null);
      await c.uniqueEvents(4, 'live events', 10_000);
      const violations = await tab.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations, null);
      const problems = tab.consoleProblems();
      countLine(`${name} csp`, 4, c, `${violations.length} CSP violations, ${problems.length} console errors/warnings${CANNOT[name].console ? ` (console not readable: ${CANNOT[name].console})` : ''}`);
      expect(violations).toEqual([]);
      expect(problems).toEqual([]);
      expect([...c.unique().values()].map((e) => e.callId ?? e.metric).sort()).toEqual(['csp-0', 'csp-1', 'csp-2', 'inbound_chat_requested']);
      expect(c.duplicates()).toBe(0);
    }, T);

    it('a postMessage from a foreign origin is ignored; one from an allowed origin counts', async () => {
      const { c, widgets, stranger } = s;
      const tab = await openApp(s, { org: 'e_message', endpoint: c.endpoint, flushIntervalMs: 60_000, allowedOrigins: [widgets.origin] });
      /** Adds the widget iframe and resolves once the page has received its messages. */
      const embed = (origin: string, callId: string) => tab.evaluate(embedWidget, { src: `${origin}/pages/widget.html?callId=${callId}`, callId });
      // The stranger posts first: by the time the allowed widget's event is in, the stranger's was handled.
      await embed(stranger.origin, 'stranger-1');
      await embed(widgets.origin, 'widget-1');
      await flush(tab);
      await c.uniqueEvents(1, 'the allowed widget event', 10_000);
      await flush(tab);
      countLine(`${name} postMessage`, 2, c, 'posted by 2 origins, 1 allowed');
      expect([...c.unique().values()].map((e) => e.callId)).toEqual(['widget-1']);
      expect(await pageErrors(tab)).toEqual([]);
    }, T);
  });
});
