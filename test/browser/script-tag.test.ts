// @vitest-environment node
// The script-tag path in real Chromium (issue 5): the loader snippet and the async bundle on a
// page with a strict Content-Security-Policy, and widget events posted by cross-origin iframes.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appUrl, countLine, dist, embedWidget, launch, openApp, snippetFor, startCollector, startStatic, type AppWindow, type Collector, type StaticServer } from './harness';

let browser: Browser;
/** The host pages; `widgets` and `stranger` are two more origins for iframes. */
let web: StaticServer;
let widgets: StaticServer;
let stranger: StaticServer;
let context: BrowserContext;
let c: Collector;

beforeAll(async () => {
  [browser, web, widgets, stranger] = await Promise.all([launch(), startStatic(), startStatic(), startStatic()]);
}, 90_000); // startStatic() waits out a concurrent `npm run build`
afterAll(async () => {
  await browser?.close();
  await Promise.all([web, widgets, stranger].map((s) => s?.close()));
});
beforeEach(async () => {
  [context, c] = await Promise.all([browser.newContext(), startCollector()]);
});
afterEach(async () => {
  await context?.close();
  await c?.close();
});

const TIMEOUT = 30_000;

/** Where the init script keeps what it saw: a symbol, so it adds no property name to window. */
const PROBE = 'engage-test-probe';
interface Probe {
  names: string[];
  violations: string[];
  /** Built-ins as the page started: [label, value, getter, setter]. */
  builtins: [string, unknown, unknown, unknown][];
}

/** Runs before any page script: records window's own property names, built-ins and CSP violations. */
function probe(key: string) {
  const protos: [string, object][] = [
    ['window', window],
    ['Object.prototype', Object.prototype],
    ['Array.prototype', Array.prototype],
    ['Function.prototype', Function.prototype],
    ['Promise.prototype', Promise.prototype],
    ['EventTarget.prototype', EventTarget.prototype],
    ['Window.prototype', Window.prototype],
    ['Document.prototype', Document.prototype],
    ['Node.prototype', Node.prototype],
    ['Element.prototype', Element.prototype],
    ['History.prototype', History.prototype],
    ['Navigator.prototype', Navigator.prototype],
    ['XMLHttpRequest.prototype', XMLHttpRequest.prototype],
    ['Storage.prototype', Storage.prototype],
    ['JSON', JSON],
    ['console', console],
  ];
  const builtins: Probe['builtins'] = [];
  for (const [label, target] of protos) {
    for (const name of Object.getOwnPropertyNames(target)) {
      const d = Object.getOwnPropertyDescriptor(target, name);
      if (d) builtins.push([`${label}.${name}`, d.value, d.get, d.set]);
    }
  }
  const state: Probe = { names: Object.getOwnPropertyNames(window), violations: [], builtins };
  Object.defineProperty(window, Symbol.for(key), { value: state });
  document.addEventListener('securitypolicyviolation', (e) => state.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`), true);
}

/** What changed since the probe: new window property names, and built-ins replaced or removed. */
const changes = (page: Page) =>
  page.evaluate((key) => {
    const state = (window as unknown as Record<symbol, Probe>)[Symbol.for(key)];
    const before = new Set(state.names);
    const added = Object.getOwnPropertyNames(window).filter((n) => !before.has(n));
    const resolve = (path: string): [object | undefined, string] => {
      const parts = path.split('.');
      const name = parts.pop() as string;
      let target: unknown = parts[0] === 'window' ? window : (window as unknown as Record<string, unknown>)[parts[0]];
      if (parts[1]) target = (target as Record<string, unknown>)[parts[1]];
      return [target as object, name];
    };
    const patched: string[] = [];
    for (const [label, value, get, set] of state.builtins) {
      const [target, name] = resolve(label);
      const d = target && Object.getOwnPropertyDescriptor(target, name);
      if (!d || !Object.is(d.value, value) || d.get !== get || d.set !== set) patched.push(label);
    }
    return { added, patched, violations: state.violations };
  }, PROBE);

describe('script tag in real Chromium', () => {
  it('(g) snippet + async bundle under a strict CSP: no violation, queued events delivered, no cookies, two globals', async () => {
    const org = 'org_csp';
    const csp = `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' ${c.origin}; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    const bundleUrl = `${web.origin}/csp/engage-tracker.min.js`;
    // The queue: a track before init (init still runs first), init, then more tracks.
    const loader = [
      snippetFor(bundleUrl),
      `engage('track', { type: 'call.requested', callId: 'csp-0' });`,
      `engage('init', { orgId: '${org}', endpoint: '${c.endpoint}', flushIntervalMs: 60000 });`,
      `engage('track', { type: 'chat.message', from: 'visitor', messageId: 'm1' });`,
      `engage('track', { type: 'call.requested', callId: 'csp-1' });`,
      `engage('track', { type: 'call.requested', callId: 'csp-2' });`,
      `engage('flush');`,
    ].join('\n');
    const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>strict CSP</title><link rel="icon" href="/csp/favicon.ico">
<script src="/csp/loader.js"></script></head>
<body><p>A customer page with a strict Content-Security-Policy.</p></body></html>`;
    web.route('/csp/index.html', { body: html, type: 'text/html; charset=utf-8', headers: { 'content-security-policy': csp } });
    web.route('/csp/loader.js', { body: loader, type: 'text/javascript' });
    web.route('/csp/favicon.ico', { body: '', type: 'image/x-icon' });
    // The bundle arrives late, when the test says so: everything above waits in the stub's queue.
    let release = () => {};
    const hold = new Promise<void>((ok) => (release = ok));
    web.route('/csp/engage-tracker.min.js', { body: dist().get('engage-tracker.min.js') as Buffer, type: 'text/javascript', hold });

    await context.addInitScript(probe, PROBE);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => void ((m.type() === 'error' || m.type() === 'warning') && consoleErrors.push(m.text())));
    page.on('pageerror', (e) => void consoleErrors.push(String(e)));
    await page.goto(`${web.origin}/csp/index.html`, { waitUntil: 'domcontentloaded' });
    // A widget reporting the documented way before the bundle is there: the snippet queues it.
    await page.evaluate(() => document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'csp-early' } })));
    const stubQueue = await page.evaluate(() => (window as unknown as { engage: { q?: unknown[] } }).engage.q?.length);
    expect(stubQueue).toBe(7); // still the stub, holding every call and the widget event
    expect(c.requests).toHaveLength(0);
    release();

    await c.uniqueEvents(5, 'queued events', 10_000);
    // Live now: the stub is replaced; a widget CustomEvent and engage('track') both count.
    expect(await page.evaluate(() => typeof (window as unknown as { engage: { q?: unknown } }).engage.q)).toBe('undefined');
    await page.evaluate(() => {
      document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'csp-3' } }));
      const engage = (window as unknown as { engage: (...args: unknown[]) => unknown }).engage;
      engage('track', { type: 'call.requested', callId: 'csp-4' });
      return engage('flush');
    });
    await c.uniqueEvents(7, 'live events', 10_000);

    const { added, patched, violations } = await changes(page);
    const cookies = await context.cookies();
    const received = [...c.unique().values()];
    countLine('csp', 7, c, `${violations.length} CSP violations, ${cookies.length} cookies, globals added: ${added.join(' ') || 'none'}, ${patched.length} built-ins patched`);
    expect(violations).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(received.map((e) => e.metric).sort()).toEqual([...Array(6).fill('inbound_call_requested'), 'inbound_chat_requested']);
    // Each once: the snippet's listener is gone once the tracker's own listens.
    expect(received.map((e) => e.callId).filter(Boolean).sort()).toEqual(['csp-0', 'csp-1', 'csp-2', 'csp-3', 'csp-4', 'csp-early']);
    expect(received.every((e) => e.page === '/csp/index.html')).toBe(true);
    expect(c.duplicates()).toBe(0);
    expect(cookies).toEqual([]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(added.sort()).toEqual(['EngageTracker', 'engage']);
    expect(patched).toEqual([]);
    // The bundle came through the snippet's script element, checked against its SRI hash.
    expect(web.served.filter((p) => p === '/csp/engage-tracker.min.js')).toHaveLength(1);
  }, TIMEOUT);

  it('the snippet keeps the newest 1,000 calls while the bundle does not load, and the bundle reports how many it dropped once it does', async () => {
    let release = () => {};
    const blocked = new Promise<void>((ok) => (release = ok)); // the bundle held back, as an extension would
    const loader = [
      snippetFor(`${web.origin}/capped/engage-tracker.min.js`),
      `window.reports = [];`,
      `for (var i = 0; i < 1500; i++) engage('track', { type: 'call.requested', callId: 'q' + i });`,
      `engage('init', { orgId: 'org_capped', endpoint: '${c.endpoint}', flushIntervalMs: 60000, onError: function (e) { reports.push(e.code + ': ' + e.message); } });`,
    ].join('\n');
    web.route('/capped/index.html', { body: `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/capped/loader.js"></script>`, type: 'text/html; charset=utf-8' });
    web.route('/capped/loader.js', { body: loader, type: 'text/javascript' });
    web.route('/capped/engage-tracker.min.js', { body: dist().get('engage-tracker.min.js') as Buffer, type: 'text/javascript', hold: blocked });
    const page = await context.newPage();
    await page.goto(`${web.origin}/capped/index.html`, { waitUntil: 'domcontentloaded' });
    const queued = await page.evaluate(() => (window as unknown as { engage: { q: unknown[] } }).engage.q.length);
    release();
    await page.waitForFunction(() => !!(window as unknown as { EngageTracker?: object }).EngageTracker);
    await page.evaluate(() => (window as unknown as { engage(command: string): Promise<void> }).engage('flush'));
    await c.uniqueEvents(999, 'the calls the snippet kept', 15_000);
    const callIds = [...c.unique().values()].map((e) => Number(e.callId?.slice(1))).sort((a, b) => a - b);
    const reports = await page.evaluate(() => (window as unknown as { reports: string[] }).reports);
    // 1,501 calls: the 501 oldest tracks dropped; init, the newest, kept.
    expect({ queued, first: callIds[0], last: callIds.at(-1), count: callIds.length, reports }).toEqual({
      queued: 1_000,
      first: 501,
      last: 1_499,
      count: 999,
      reports: ['queue_overflow: queue_overflow 501'], // the production build: the code and the count
    });
  }, TIMEOUT);

  it('(h) postMessage from a cross-origin widget iframe counts when its origin is allowed, not otherwise', async () => {
    const org = 'org_iframe';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000, allowedOrigins: [widgets.origin], debug: true });
    const debug: string[] = [];
    page.on('console', (m) => void (m.type() === 'debug' && debug.push(m.text())));
    /** Adds the widget iframe and resolves once the page has received its messages. */
    const embed = (origin: string, callId: string) => page.evaluate(embedWidget, { src: `${origin}/pages/widget.html?callId=${callId}`, callId });
    // The stranger posts first: by the time the allowed widget's event is delivered, the
    // stranger's has been handled (messages of a frame arrive in order, and it posted earlier).
    await embed(stranger.origin, 'stranger-1');
    await embed(widgets.origin, 'widget-1');
    await page.evaluate(() => (window as unknown as AppWindow).tracker.flush());
    await c.uniqueEvents(1, 'the allowed widget event', 10_000);
    const received = [...c.unique().values()];
    const ignoredLogged = debug.filter((t) => t.includes('origin ' + stranger.origin + ' not in allowedOrigins')).length;
    countLine('iframe', 2, c, `posted by 2 origins, allowed 1, ${ignoredLogged} debug line(s) for the other`);
    expect(received.map((e) => e.callId)).toEqual(['widget-1']);
    expect(received[0].metric).toBe('inbound_call_requested');
    expect(ignoredLogged).toBe(1);
    expect(c.duplicates()).toBe(0);
  }, TIMEOUT);

  it('(i) allowedOrigins "null" admits the page\'s own sandboxed widget, not a sandboxed frame of another site that opened the page', async () => {
    const org = 'org_null';
    const app = appUrl(web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000, allowedOrigins: ['null'] });
    // Another site: its sandboxed frame (origin "null") opens the customer's page and posts to it.
    const script = `var w = open(${JSON.stringify(app)}); var n = 0; var t = setInterval(function () { w.postMessage({ engage: { type: 'call.requested', callId: 'hostile-' + n } }, '*'); if (++n >= 21) clearInterval(t); }, 50);`;
    stranger.route('/hostile.html', {
      type: 'text/html; charset=utf-8',
      body: `<!doctype html><iframe sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" srcdoc="${`<script>${script}</script>`.replace(/"/g, '&quot;')}"></iframe>`,
    });
    const hostile = await context.newPage();
    const opened = context.waitForEvent('page');
    await hostile.goto(`${stranger.origin}/hostile.html`);
    const page = await opened;
    await page.waitForFunction(() => 'tracker' in window);
    // Every hostile message has been posted (21 × 50 ms) and handled.
    await page.waitForTimeout(1_500);
    // The page's own widget, sandboxed: it posts from origin "null" too.
    await page.evaluate(
      (src) =>
        new Promise<void>((done) => {
          addEventListener('message', (e) => (e.data as { widgetPosted?: string })?.widgetPosted && done());
          const frame = document.createElement('iframe');
          frame.sandbox.add('allow-scripts');
          frame.src = src;
          document.body.append(frame);
        }),
      `${web.origin}/pages/widget.html?callId=own-1`,
    );
    await page.evaluate(() => (window as unknown as AppWindow).tracker.flush());
    await c.uniqueEvents(1, 'the own widget event', 10_000);
    const received = [...c.unique().values()].map((e) => e.callId);
    countLine('null origin', 1, c, `21 posted by a sandboxed frame of another site, 1 by the page's own sandboxed widget`);
    expect(received).toEqual(['own-1']);
  }, TIMEOUT);

  it('(j) a call queued by the snippet keeps the page it was made on, though the app navigated before the bundle came', async () => {
    const org = 'org_spa';
    const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script>${snippetFor(`${web.origin}/spa/engage-tracker.min.js`)}</script></head><body></body></html>`;
    web.route('/spa/index.html', { body: html, type: 'text/html; charset=utf-8' });
    let release = () => {};
    const hold = new Promise<void>((ok) => (release = ok));
    web.route('/spa/engage-tracker.min.js', { body: dist().get('engage-tracker.min.js') as Buffer, type: 'text/javascript', hold });
    const page = await context.newPage();
    await page.goto(`${web.origin}/spa/index.html`, { waitUntil: 'domcontentloaded' });
    await page.evaluate(({ org, endpoint }) => {
      const engage = (window as unknown as { engage: (...a: unknown[]) => void }).engage;
      engage('init', { orgId: org, endpoint, flushIntervalMs: 60_000 });
      history.pushState(null, '', '/pricing?plan=pro');
      engage('track', { type: 'chat.message', from: 'visitor' });
      document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'spa-1' } }));
      history.pushState(null, '', '/checkout'); // the single-page app moves on before the bundle arrives
    }, { org, endpoint: c.endpoint });
    release();
    await page.waitForFunction(() => 'EngageTracker' in window);
    await page.evaluate(() => (window as unknown as { engage: (c: string) => Promise<void> }).engage('flush'));
    await c.uniqueEvents(2, 'the queued events', 10_000);
    expect([...c.unique().values()].map((e) => [e.metric, e.page]).sort()).toEqual([
      ['inbound_call_requested', '/pricing'],
      ['inbound_chat_requested', '/pricing'],
    ]);
  }, TIMEOUT);
});
