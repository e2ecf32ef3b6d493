// @vitest-environment node
// Delivery in real Chromium (issue 3): reload right after a burst, a closed tab, an outage,
// two tabs, retried answers, and IndexedDB unavailable. Pages come from a loopback static
// server; batches go to a loopback collector that counts every request and event id.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appUrl,
  callIds,
  countLine,
  errorCodes,
  launch,
  openApp,
  outboxHolds,
  startCollector,
  startStatic,
  type AppWindow,
  type Collector,
  type StaticServer,
} from './harness';

let browser: Browser;
let web: StaticServer;
let context: BrowserContext;
let c: Collector;

beforeAll(async () => {
  [browser, web] = await Promise.all([launch(), startStatic()]);
}, 90_000); // startStatic() waits out a concurrent `npm run build`
afterAll(async () => {
  await browser?.close();
  await web?.close();
});
beforeEach(async () => {
  // A new context is a new, empty profile: its own IndexedDB, localStorage and cookies.
  [context, c] = await Promise.all([browser.newContext(), startCollector()]);
});
afterEach(async () => {
  await context?.close();
  await c?.close();
});

const TIMEOUT = 30_000;

/** Tracks call.requested for each id on the page, all in one task. */
const trackCalls = (page: Page, ids: string[]) =>
  page.evaluate((ids) => {
    const { tracker } = window as unknown as AppWindow;
    for (const callId of ids) tracker.track({ type: 'call.requested', callId });
  }, ids);

const flush = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).tracker.flush());

const withPrefix = (prefix: string) => (e: { callId?: string }) => !!e.callId?.startsWith(prefix + '-');

/** Ids that arrived (2xx) more than once. */
function duplicatedIds(c: Collector): string[] {
  const counts = new Map<string, number>();
  for (const e of c.events()) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

/** A navigation started by the evaluated code may tear its context down before it answers. */
const navigating = (err: unknown) => {
  if (!/context was destroyed|navigat/i.test(String(err))) throw err;
};

describe('real Chromium delivery', () => {
  it('(a) keeps 50 of 50 events tracked right before an immediate reload, three times over', async () => {
    const org = 'org_reload';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      // The previous page load's sends are answered and settled: only this round's reload is measured.
      await flush(page);
      const ids = callIds(`reload${round}`, 50);
      const reloaded = page.waitForEvent('load');
      // One task: 50 track() calls, then location.reload() before any transaction can commit.
      await page
        .evaluate((ids) => {
          const { tracker } = window as unknown as AppWindow;
          for (const callId of ids) tracker.track({ type: 'call.requested', callId });
          location.reload();
        }, ids)
        .catch(navigating);
      await reloaded;
      await page.waitForFunction(() => 'tracker' in window); // the reloaded page started its tracker
      await c.uniqueEvents(50, `reload round ${round} events`, 15_000, withPrefix(`reload${round}`));
    }
    await flush(page); // whatever the last page still holds gets its chance to show as a duplicate
    const keepalive = c.posts().filter((r) => r.contentType.startsWith('text/plain')).reduce((n, r) => n + r.events.length, 0);
    countLine('reload', rounds * 50, c, `${keepalive} events via keepalive as the page hid, ${c.requests.length - c.posts().length} other requests`);
    const received = [...c.unique().values()];
    for (let round = 0; round < rounds; round++) {
      const got = new Set(received.filter(withPrefix(`reload${round}`)).map((e) => e.callId));
      expect(got).toEqual(new Set(callIds(`reload${round}`, 50)));
    }
    expect(received.every((e) => e.metric === 'inbound_call_requested' && e.orgId === org)).toBe(true);
    // Duplicates happen only when the burst committed in time and a normal batch of it was in
    // flight as the page hid: keepalive sends it again (the SDK bug that (b3) pins down).
    const sentAs = (type: string) => new Set(c.posts().filter((r) => r.contentType.startsWith(type)).flatMap((r) => r.ids));
    const [json, plain] = [sentAs('application/json'), sentAs('text/plain')];
    expect(duplicatedIds(c).filter((id) => !(json.has(id) && plain.has(id)))).toEqual([]);
    expect(await errorCodes(page)).toEqual([]);
  }, 60_000);

  it('(b) sends what waits when the tab is closed (keepalive, text/plain, no preflight)', async () => {
    const org = 'org_close';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
    await flush(page); // the tracker's start-up send is over: nothing sends these events but the close
    const ids = callIds('close', 10);
    await trackCalls(page, ids);
    await outboxHolds(page, org, 10); // committed, and not sent: the interval is a minute
    expect(c.posts()).toHaveLength(0);
    await page.close({ runBeforeUnload: true });
    await c.uniqueEvents(10, 'events from the closed tab', 10_000);
    countLine('close', 10, c, `content types ${[...new Set(c.posts().map((r) => r.contentType))].join(' ')}, ${c.requests.filter((r) => r.method === 'OPTIONS').length} preflights`);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
    expect(c.posts().every((r) => r.contentType.startsWith('text/plain'))).toBe(true);
    expect(c.requests.filter((r) => r.method === 'OPTIONS')).toHaveLength(0);
    expect(c.duplicates()).toBe(0);
  }, TIMEOUT);

  it('(b2) a closing tab with more than 64 KiB waiting sends what the browser lets it; the next visit sends the rest', async () => {
    const org = 'org_beacon';
    const endpoint = c.endpoint;
    // ~1.2 KB per event: 200 events need four bodies of up to 64 KB.
    const page = await openApp(context, web, { org, endpoint, flushIntervalMs: 60_000, batchSize: 500, page: 'long' });
    await flush(page); // the start-up send is over: nothing sends these events but the close
    const ids = callIds('beacon', 200);
    await trackCalls(page, ids);
    await outboxHolds(page, org, 200);
    await page.close({ runBeforeUnload: true });
    await c.until(() => c.posts().length >= 1, 'a request from the closing tab', 10_000);
    // The next visit sends whatever the closing tab could not; nothing is lost.
    const nextAt = c.now();
    const next = await openApp(context, web, { org, endpoint, flushIntervalMs: 60_000, batchSize: 500, page: 'long' });
    await c.uniqueEvents(200, 'events after the next visit', 15_000);
    await flush(next);
    const closing = c.posts().filter((r) => r.at <= nextAt);
    const keepalive = closing.filter((r) => r.contentType.startsWith('text/plain'));
    // A normal send the closing page started after hiding (its flush) may arrive unanswered.
    const unanswered = new Set(closing.filter((r) => !r.contentType.startsWith('text/plain')).flatMap((r) => r.ids));
    const duplicated = duplicatedIds(c);
    countLine(
      'beacon',
      200,
      c,
      `from the closing tab: ${keepalive.reduce((n, r) => n + r.ids.length, 0)} events in ${keepalive.length} keepalive/beacon bodies + ${unanswered.size} in ${closing.length - keepalive.length} normal sends started as it hid; the rest from the next visit; largest body ${Math.max(...c.posts().map((r) => r.bytes))} bytes`,
    );
    expect(keepalive.length).toBeGreaterThan(0);
    expect(c.posts().every((r) => r.bytes < 64 * 1024)).toBe(true);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
    // Events handed to keepalive are never resent within the grace; only unanswered normal sends may be.
    expect(duplicated.filter((id) => !unanswered.has(id))).toEqual([]);
    expect(await errorCodes(next)).toEqual([]);
  }, TIMEOUT);

  // SDK bug, left failing on purpose: hidden() sends every event this tab stored and has not
  // seen removed from the outbox, including a batch a normal send has in flight (or whose 2xx
  // arrived while its removal is still committing). When the page lives on (a tab switch) both
  // requests arrive. The same race made (a) see duplicates in some runs.
  it.fails('(b3) a batch in flight as the tab is hidden is not sent a second time by keepalive', async () => {
    const org = 'org_inflight';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
    await flush(page);
    const release = c.holdNext();
    await trackCalls(page, callIds('inflight', 5));
    const inFlight = flush(page);
    await c.until(() => c.posts().length >= 1, 'the batch in flight', 10_000);
    // The visitor switches tabs: headless Chromium never hides a page, so say it is hidden.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await c.until(() => c.posts().length >= 2, 'a second request', 1_000).catch(() => {}); // none is right
    release();
    await inFlight;
    await flush(page);
    countLine('in-flight', 5, c, `${c.posts().length} POSTs (${c.posts().map((r) => r.contentType.split(';')[0]).join(', ')})`);
    expect(c.unique().size).toBe(5);
    expect(c.duplicates()).toBe(0);
  }, TIMEOUT);

  it('(c) collector down (network errors) then back: nothing lost, the endpoint not hammered', async () => {
    const org = 'org_down';
    // A 200 ms interval and flush() every 300 ms: a client without backoff would send ~60 times.
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 200, batchSize: 5 });
    const attempts: number[] = [];
    const t0 = Date.now();
    page.on('request', (r) => void (r.url() === c.endpoint && r.method() === 'POST' && attempts.push(Date.now() - t0)));
    c.down();
    const outageMs = 8_000;
    const ids = callIds('down', 30);
    // Events keep coming during the outage: 3 bursts of 10, each followed by flush() calls.
    for (let burst = 0; burst < 3; burst++) {
      await trackCalls(page, ids.slice(burst * 10, burst * 10 + 10));
      const until = t0 + ((burst + 1) * outageMs) / 3;
      while (Date.now() < until - 300) {
        await flush(page);
        await page.waitForTimeout(300);
      }
    }
    await page.waitForTimeout(Math.max(0, t0 + outageMs - Date.now()));
    const during = attempts.length;
    const collectorHits = c.requests.length;
    expect(c.unique().size).toBe(0);
    c.up();
    const back = Date.now();
    await c.uniqueEvents(30, 'events after the outage', 50_000);
    const took = Date.now() - back;
    countLine('down', 30, c, `${during} POST attempts (${collectorHits} connections) in the ${outageMs / 1000} s outage at ${attempts.slice(0, during).map((t) => (t / 1000).toFixed(1) + 's').join(' ')}, all in ${(took / 1000).toFixed(1)} s after it`);
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(8);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
    // Every failure was reported as delivery_failed, never as a drop.
    const codes = await errorCodes(page);
    expect(new Set(codes)).toEqual(new Set(['delivery_failed']));
  }, 75_000);

  it('(c2) offline (context.setOffline) then online: nothing lost, sent as soon as the browser is back online', async () => {
    const org = 'org_offline';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 200, batchSize: 5 });
    let attempts = 0;
    page.on('request', (r) => void (r.url() === c.endpoint && r.method() === 'POST' && attempts++));
    await context.setOffline(true);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    const ids = callIds('offline', 20);
    await trackCalls(page, ids);
    for (let i = 0; i < 10; i++) {
      await flush(page);
      await page.waitForTimeout(300);
    }
    const during = attempts;
    // Chromium's offline emulation lets a CORS preflight through; the POSTs themselves fail.
    const preflights = c.requests.filter((r) => r.method === 'OPTIONS').length;
    expect(c.posts()).toHaveLength(0);
    const back = Date.now();
    await context.setOffline(false);
    // The online event cuts the backoff short: well under the next backoff step.
    await c.uniqueEvents(20, 'events after going online', 5_000);
    countLine('offline', 20, c, `${during} POST attempts (${preflights} preflights reached the collector) in 3 s offline, all in ${Date.now() - back} ms after online`);
    expect(during).toBeLessThanOrEqual(6);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
  }, TIMEOUT);

  it('(d) two tabs of one visitor session: one inbound chat request, no event sent by both tabs', async () => {
    const org = 'org_tabs';
    const opts = { org, endpoint: c.endpoint, flushIntervalMs: 100, batchSize: 5 };
    const [a, b] = await Promise.all([openApp(context, web, { ...opts, tab: 'A' }), openApp(context, web, { ...opts, tab: 'B' })]);
    const tabs = [a, b];
    // Both tabs show the visitor's first message at the same instant.
    const at = Date.now() + 300;
    await Promise.all(
      tabs.map((p) =>
        p.evaluate(
          (at) =>
            new Promise<void>((done) =>
              setTimeout(() => {
                (window as unknown as AppWindow).tracker.track({ type: 'chat.message', from: 'visitor' });
                done();
              }, at - Date.now()),
            ),
          at,
        ),
      ),
    );
    // Then both keep tracking, in bursts, while their senders contend for the same outbox.
    await Promise.all(
      tabs.map((p, t) =>
        p.evaluate(
          async ({ prefix }) => {
            const { tracker } = window as unknown as AppWindow;
            for (let burst = 0; burst < 6; burst++) {
              for (let i = 0; i < 5; i++) tracker.track({ type: 'call.requested', callId: `${prefix}-${burst * 5 + i}` });
              await new Promise((r) => setTimeout(r, 40));
            }
            await tracker.flush();
          },
          { prefix: `tab${'AB'[t]}` },
        ),
      ),
    );
    await c.uniqueEvents(61, 'events from both tabs', 15_000);
    await Promise.all(tabs.map(flush));
    const received = [...c.unique().values()];
    const chats = received.filter((e) => e.metric === 'inbound_chat_requested');
    // Which tabs sent each id (any answer).
    const senders = new Map<string, Set<string>>();
    for (const r of c.posts()) for (const id of r.ids) senders.set(id, (senders.get(id) ?? new Set()).add(r.tab ?? '?'));
    const byBoth = [...senders.values()].filter((s) => s.size > 1).length;
    const perTab = ['A', 'B'].map((t) => `${t} sent ${c.posts().filter((r) => r.tab === t).reduce((n, r) => n + r.ids.length, 0)}`).join(', ');
    countLine('tabs', 62, c, `${chats.length} inbound_chat_requested (2 visitor messages), ${byBoth} ids sent by both tabs, ${perTab}`);
    expect(chats).toHaveLength(1);
    expect(received).toHaveLength(61);
    expect(new Set(received.map((e) => e.sessionId)).size).toBe(1); // one visitor session across tabs
    expect(byBoth).toBe(0);
    expect(c.duplicates()).toBe(0);
  }, TIMEOUT);

  // SDK bug, left failing on purpose: a tab's sender remembers every event it stored (outbox.ts
  // `known`) and forgets one only when it delivers it itself. When another tab delivered it,
  // hidden() (pagehide, or visibilitychange to hidden: a mere tab switch) sends it again.
  it.fails('(d2) a tab going away does not resend events another tab already delivered', async () => {
    const org = 'org_tabs2';
    const opts = { org, endpoint: c.endpoint, flushIntervalMs: 60_000 };
    const [a, b] = await Promise.all([openApp(context, web, { ...opts, tab: 'A' }), openApp(context, web, { ...opts, tab: 'B' })]);
    await Promise.all([a, b].map(flush));
    // B tracks; its events wait in the shared outbox; A's flush delivers them.
    const ids = callIds('tabB', 10);
    await trackCalls(b, ids);
    await outboxHolds(b, org, 10);
    await flush(a);
    await c.uniqueEvents(10, "B's events, sent by A", 10_000);
    expect(c.posts().every((r) => r.tab === 'A')).toBe(true);
    // B closes (or is merely hidden: the same path). What it would send is already delivered.
    await b.close({ runBeforeUnload: true });
    // A request B sends as it goes away leaves at once; A's next event is the sentinel after it.
    await trackCalls(a, ['sentinel-0']);
    await flush(a);
    await c.uniqueEvents(11, 'the sentinel', 10_000);
    const fromB = c.requests.filter((r) => r.method === 'POST' && r.tab === undefined).reduce((n, r) => n + r.ids.length, 0);
    countLine('tab-close', 11, c, `${fromB} events resent by the closing tab B after tab A delivered them`);
    const bIds = new Set([...c.unique().values()].filter(withPrefix('tabB')).map((e) => e.id));
    expect(c.events().filter((e) => bIds.has(e.id))).toHaveLength(10); // each of B's events once
  }, TIMEOUT);

  it('(e) 500 then 200, and 429 with Retry-After: 2, retried with the same event ids', async () => {
    const org = 'org_retry';
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
    await flush(page);
    // 500, then 200: same ids, after a backoff.
    c.failNext(500);
    const first = callIds('r500', 5);
    await trackCalls(page, first);
    await flush(page);
    await c.uniqueEvents(5, 'events after the 500', 10_000);
    const [p500, p200] = c.posts();
    expect([p500.status, p200.status]).toEqual([500, 200]);
    expect(p200.ids).toEqual(p500.ids);
    // 429 with Retry-After: 2: the retry waits at least 2 s; flush() meanwhile sends nothing.
    c.failNext(429, { retryAfter: '2' });
    const second = callIds('r429', 5);
    await trackCalls(page, second);
    await flush(page);
    const p429 = c.posts()[2];
    expect(p429.status).toBe(429);
    for (let i = 0; i < 3; i++) await flush(page);
    await c.uniqueEvents(10, 'events after the 429', 10_000);
    const retry = c.posts()[3];
    expect(retry.status).toBe(200);
    expect(retry.ids).toEqual(p429.ids);
    const waited = retry.at - p429.at;
    expect(waited).toBeGreaterThanOrEqual(2_000);
    // Any other 4xx drops the batch and reports it.
    c.failNext(400);
    await trackCalls(page, callIds('r400', 2));
    await flush(page);
    await flush(page);
    const p400 = c.posts()[4];
    countLine('retry', 12, c, `500→200 after ${p200.at - p500.at} ms, 429→200 after ${waited} ms, 400 dropped; statuses ${c.posts().map((r) => r.status).join(',')}`);
    expect(p400.status).toBe(400);
    expect(c.posts()).toHaveLength(5);
    expect(c.unique().size).toBe(10);
    expect(c.duplicates()).toBe(0);
    expect(await errorCodes(page)).toEqual(['delivery_failed', 'delivery_failed', 'delivery_rejected']);
  }, TIMEOUT);

  it('(f) IndexedDB missing: storage_unavailable reported once, events still delivered', async () => {
    const org = 'org_noidb';
    await context.addInitScript(() => {
      delete (window as { indexedDB?: unknown }).indexedDB;
    });
    const page = await openApp(context, web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 });
    expect(await page.evaluate(() => typeof indexedDB)).toBe('undefined');
    const ids = callIds('noidb', 10);
    await trackCalls(page, ids);
    await flush(page);
    await c.uniqueEvents(10, 'events without IndexedDB', 10_000);
    countLine('no-indexeddb', 10, c);
    expect(await errorCodes(page)).toEqual(['storage_unavailable']);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
  }, TIMEOUT);

  it('(f2) IndexedDB open failing for real (a newer database version): storage_unavailable, events delivered', async () => {
    const org = 'org_vererr';
    // The database already exists at version 7: the tracker's open(name, 1) fails with VersionError.
    const page = await context.newPage();
    await page.goto(`${web.origin}/pages/widget.html`);
    await page.evaluate(
      (name) =>
        new Promise<void>((ok, fail) => {
          const open = indexedDB.open(name, 7);
          open.onsuccess = () => (open.result.close(), ok());
          open.onerror = () => fail(open.error);
        }),
      `engage-tracker:${org}`,
    );
    await page.goto(appUrl(web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 }));
    await page.waitForFunction(() => 'tracker' in window);
    const ids = callIds('vererr', 10);
    await trackCalls(page, ids);
    await flush(page);
    await c.uniqueEvents(10, 'events with a failing IndexedDB', 10_000);
    countLine('indexeddb-version-error', 10, c);
    expect(await errorCodes(page)).toEqual(['storage_unavailable']);
  }, TIMEOUT);
});
