// @vitest-environment node
// Scenarios written from SPEC.md alone: the loader snippet, its queue, widget hooks (real Chromium).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, dist, snippetFor, startStatic, type StaticServer } from './harness';

const s = browserSuite();
const T = 30_000;
let widgets: StaticServer;
let stranger: StaticServer;
beforeAll(async () => {
  [widgets, stranger] = await Promise.all([startStatic(), startStatic()]);
}, 90_000);
afterAll(async () => {
  await Promise.all([widgets?.close(), stranger?.close()]);
});

const got = () => [...s.c.unique().values()];
const html = (script: string, body = '') => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="${script}"></script></head><body>${body}</body></html>`;
/** Serves a page at `${base}/index.html` running `${base}/loader.js`, and the bundle beside them. */
const serveLoaderPage = (base: string, loader: string, hold?: Promise<void>) => {
  s.web.route(`${base}/index.html`, { body: html(`${base}/loader.js`), type: 'text/html; charset=utf-8' });
  s.web.route(`${base}/loader.js`, { body: loader, type: 'text/javascript' });
  s.web.route(`${base}/engage-tracker.min.js`, { body: dist().get('engage-tracker.min.js') as Buffer, type: 'text/javascript', hold });
};
const pageErrorsOf = (page: Page) => {
  const list: string[] = [];
  page.on('pageerror', (e) => void list.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && list.push(m.text())));
  return list;
};

describe('spec: script tag', () => {
  it('spec-snippet-1: calls queued before the async bundle arrives replay in order, init first, with the queued `at` stamps; a second init is invalid_event', async () => {
    const base = `/rv1`;
    const loader = [
      snippetFor(`${s.web.origin}${base}/engage-tracker.min.js`),
      `window.rvErrors = [];`,
      `engage('track', { type: 'chat.message', from: 'rep', repId: 'r1', messageId: 'q1' });`,
      `engage('track', { type: 'chat.message', from: 'visitor', messageId: 'q2' });`,
      `engage('init', { orgId: 'rv_snippet', endpoint: '${s.c.endpoint}', flushIntervalMs: 60000, onError: function (e) { window.rvErrors.push(e.code); } });`,
      `setTimeout(function () { engage('track', { type: 'call.requested', callId: 'q3' }); engage('init', { orgId: 'rv_snippet2', endpoint: '${s.c.endpoint}' }); engage('flush'); }, 300);`,
    ].join('\n');
    let release = () => {};
    const hold = new Promise<void>((ok) => (release = ok));
    serveLoaderPage(base, loader, hold);
    const page = await s.context.newPage();
    const errs = pageErrorsOf(page);
    await page.goto(`${s.web.origin}${base}/index.html`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => ((window as unknown as { engage: { q: unknown[] } }).engage.q ?? []).length >= 6);
    const stamps = await page.evaluate(() =>
      ((window as unknown as { engage: { q: [ArrayLike<unknown>, number][] } }).engage.q).map(([args, at]) => [Array.from(args)[0], at] as [string, number]),
    );
    await new Promise((r) => setTimeout(r, 700)); // the bundle arrives well after the calls
    const releasedAt = Date.now();
    release();
    await s.c.uniqueEvents(3, 'replayed events', 8_000);
    await new Promise((r) => setTimeout(r, 300));
    const ev = got();
    expect(ev.map((e) => [e.metric, e.repId, e.callId])).toEqual([
      ['proactive_chat_attempted', 'r1', undefined],
      ['proactive_chat_accepted', 'r1', undefined],
      ['inbound_call_requested', undefined, 'q3'],
    ]);
    const trackStamps = stamps.filter(([c]) => c === 'track').map(([, at]) => at);
    expect(ev.map((e) => Date.parse(e.occurredAt))).toEqual(trackStamps);
    expect(ev.every((e) => Date.parse(e.occurredAt) < releasedAt)).toBe(true);
    expect(ev.every((e) => e.orgId === 'rv_snippet' && e.page === `${base}/index.html`)).toBe(true);
    expect(new Set(ev.map((e) => e.sessionId)).size).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { rvErrors: string[] }).rvErrors)).toEqual(['invalid_event']);
    expect(await page.evaluate(() => typeof (window as unknown as { engage: { q?: unknown } }).engage.q)).toBe('undefined');
    // A bundle loaded a second time starts no second tracker: one event counts once, sent once.
    await page.evaluate(
      (src) =>
        new Promise<void>((ok) => {
          const sc = document.createElement('script');
          sc.src = src;
          sc.onload = () => ok();
          document.head.append(sc);
        }),
      `${s.web.origin}${base}/engage-tracker.min.js`,
    );
    await page.evaluate(() => {
      const engage = (window as unknown as { engage: (...a: unknown[]) => unknown }).engage;
      engage('track', { type: 'call.requested', callId: 'q4' });
      document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'q5' } }));
      return engage('flush');
    });
    await s.c.uniqueEvents(5, 'live events', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got().slice(3).map((e) => e.callId)).toEqual(['q4', 'q5']);
    expect(s.c.events()).toHaveLength(5);
    expect(errs).toEqual([]);
  }, T);

  it('spec-snippet-2: a stub of your own (engage.q.push(arguments)) plus the async bundle; engage("endSession") and engage("shutdown") work', async () => {
    const base = '/rv2';
    const loader = [
      `window.engage = window.engage || function () { (engage.q = engage.q || []).push(arguments); };`,
      `engage('track', { type: 'chat.message', from: 'visitor' });`,
      `engage('track', { type: 'call.requested', callId: 'own1' });`,
      `engage('init', { orgId: 'rv_ownstub', endpoint: '${s.c.endpoint}', flushIntervalMs: 60000 });`,
      `engage('endSession');`,
      `engage('flush');`,
      `var sc = document.createElement('script'); sc.async = true; sc.src = '${base}/engage-tracker.min.js'; document.head.appendChild(sc);`,
    ].join('\n');
    serveLoaderPage(base, loader);
    const page = await s.context.newPage();
    const errs = pageErrorsOf(page);
    await page.goto(`${s.web.origin}${base}/index.html`);
    await s.c.uniqueEvents(4, 'own stub events', 8_000);
    const ev = got();
    expect(ev.map((e) => [e.metric, e.reason])).toEqual([
      ['inbound_chat_requested', undefined],
      ['inbound_call_requested', undefined],
      expect.arrayContaining([expect.stringMatching(/missed/), 'session_end']),
      expect.arrayContaining([expect.stringMatching(/missed/), 'session_end']),
    ]);
    expect(new Set(ev.map((e) => e.sessionId)).size).toBe(1);
    const before = s.c.requests.length;
    await page.evaluate(() => {
      const engage = (window as unknown as { engage: (...a: unknown[]) => Promise<void> }).engage;
      return engage('shutdown').then(() => {
        engage('track', { type: 'call.requested', callId: 'own2' });
        return engage('flush');
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(s.c.requests.length).toBe(before);
    expect(errs).toEqual([]);
  }, T);

  it('spec-hooks-1: engage:event CustomEvent (bad ones reported, never thrown) and postMessage from an allowed cross-origin iframe with pageUrl', async () => {
    const base = '/rv3';
    const frameJs = (tag: string) => `
      var host = new URLSearchParams(location.search).get('host');
      parent.postMessage({ hello: 'no engage key' }, '*');
      parent.postMessage({ engage: { type: 'chat.message', from: 'visitor', pageUrl: host, conversationId: '${tag}' } }, '*');
      parent.postMessage({ engage: { type: 'bogus' } }, '*');
      parent.postMessage({ rvDone: '${tag}' }, '*');`;
    widgets.route('/w/frame.html', { body: html('/w/frame.js'), type: 'text/html; charset=utf-8' });
    widgets.route('/w/frame.js', { body: frameJs('allowed'), type: 'text/javascript' });
    stranger.route('/w/frame.html', { body: html('/w/frame.js'), type: 'text/html; charset=utf-8' });
    stranger.route('/w/frame.js', { body: frameJs('stranger'), type: 'text/javascript' });
    const boot = `window.rvErrors = []; window.tracker = EngageTracker.createTracker({ orgId: 'rv_hooks', endpoint: '${s.c.endpoint}', flushIntervalMs: 60000, allowedOrigins: ['${widgets.origin}'], onError: function (e) { window.rvErrors.push(e.code); } });`;
    s.web.route(`${base}/boot.js`, { body: boot, type: 'text/javascript' });
    s.web.route(`${base}/host/pricing`, {
      body: `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="/dist/engage-tracker.min.js"></script><script src="${base}/boot.js"></script></head><body></body></html>`,
      type: 'text/html; charset=utf-8',
    });
    const page = await s.context.newPage();
    const errs = pageErrorsOf(page);
    await page.goto(`${s.web.origin}${base}/host/pricing?utm=x`);
    await page.waitForFunction(() => 'tracker' in window);
    // Same-document widget: a bad detail and a good one.
    await page.evaluate(() => {
      document.dispatchEvent(new CustomEvent('engage:event', { detail: null }));
      document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.answered', callId: 'h1' } }));
      document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.offered', callId: 'h1', repId: 'r1' } }));
    });
    const embed = (origin: string, tag: string) =>
      page.evaluate(
        ({ src, tag }) =>
          new Promise<void>((done) => {
            addEventListener('message', function seen(e) {
              if ((e.data as { rvDone?: string })?.rvDone !== tag) return;
              removeEventListener('message', seen);
              setTimeout(done, 50);
            });
            const f = document.createElement('iframe');
            f.src = src;
            document.body.append(f);
          }),
        { src: `${origin}/w/frame.html?host=${encodeURIComponent(`${s.web.origin}/rv3/host/landing?email=a@b.c`)}`, tag },
      );
    await embed(stranger.origin, 'stranger');
    await embed(widgets.origin, 'allowed');
    await page.evaluate(() => (window as unknown as { tracker: { flush(): Promise<void> } }).tracker.flush());
    await s.c.uniqueEvents(2, 'hook events', 5_000);
    const ev = got();
    expect(ev.map((e) => [e.metric, e.repId, e.page, (e as unknown as { conversationId?: string }).conversationId])).toEqual([
      ['proactive_call_attempted', 'r1', `${base}/host/pricing`, undefined],
      ['inbound_chat_requested', undefined, `${base}/host/landing`, 'allowed'],
    ]);
    expect(await page.evaluate(() => (window as unknown as { rvErrors: string[] }).rvErrors)).toEqual(['invalid_event', 'invalid_event', 'invalid_event']);
    expect(errs).toEqual([]);
  }, T);
});

describe('spec: script tag init errors', () => {
  it('spec-snippet-3: a bad init throws nothing into the page and logs nothing unless debug; later calls are harmless', async () => {
    for (const debug of [false, true]) {
      const base = `/rv4${debug ? 'd' : ''}`;
      const loader = [
        snippetFor(`${s.web.origin}${base}/engage-tracker.min.js`),
        `engage('init', { endpoint: 'http://collect.example.com/nope', debug: ${debug} });`,
        `engage('track', { type: 'chat.message', from: 'visitor' });`,
        `engage('flush');`,
      ].join('\n');
      serveLoaderPage(base, loader);
      const page = await s.context.newPage();
      const errs = pageErrorsOf(page);
      await page.goto(`${s.web.origin}${base}/index.html`);
      await page.waitForFunction(() => 'EngageTracker' in window);
      const r = await page.evaluate(() => {
        try {
          const v = (window as unknown as { engage: (...a: unknown[]) => unknown }).engage('track', { type: 'call.requested', callId: 'z' });
          return 'ok ' + typeof v;
        } catch (e) {
          return 'threw ' + String(e);
        }
      });
      await new Promise((res) => setTimeout(res, 300));
      expect(r.startsWith('ok')).toBe(true);
      expect(errs.filter((t) => !/TrackerConfigError|orgId/.test(t))).toEqual([]);
      expect(errs.some((t) => /orgId/.test(t))).toBe(debug);
      expect(s.c.requests).toHaveLength(0);
    }
  }, T);
});
