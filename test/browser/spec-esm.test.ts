// @vitest-environment node
// Written from SPEC.md alone, through the public API: the npm ESM build used directly by a page; metrics module in the page; two orgs on
// one page; visibility as activity; endpoint with a query string; debug logging.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, ROOT, type Received } from './harness';

const s = browserSuite();
const T = 40_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>esm</title></head><body>
<script type="module">
import { createTracker, TrackerError } from '/dist/index.js';
import { aggregate, METRICS } from '/dist/metrics.js';
window.lib = { createTracker, TrackerError, aggregate, METRICS };
window.errs = {};
window.make = (name, opts) => {
  window.errs[name] = [];
  window[name] = createTracker({ ...opts, onError: (e) => window.errs[name].push({ code: e.code, message: e.message }) });
};
window.ready = true;
</script></body></html>`;

beforeAll(() => {
  for (const f of ['index.js', 'index.debug.js', 'metrics.js']) s.web.route('/dist/' + f, { body: readFileSync(join(ROOT, 'dist', f)), type: 'text/javascript; charset=utf-8' });
  s.web.route('/esm/page.html', { body: HTML, type: 'text/html; charset=utf-8' });
  // The debug build (the `debug` export condition): the one whose `debug: true` logs.
  s.web.route('/esm/debug.html', { body: HTML.replace("'/dist/index.js'", "'/dist/index.debug.js'"), type: 'text/html; charset=utf-8' });
  s.web.route('/esm/pricing', { body: HTML, type: 'text/html; charset=utf-8' });
});

async function open(path = '/esm/page.html', consoleSink?: string[]): Promise<Page> {
  const page = await s.context.newPage();
  if (consoleSink) page.on('console', (m) => consoleSink.push(`${m.type()}: ${m.text()}`));
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(s.web.origin + path);
  await page.waitForFunction(() => (window as any).ready === true, undefined, { timeout: 10_000 }).catch((err) => {
    throw new Error(`module page did not load: ${pageErrors.join('; ')} ${err}`);
  });
  return page;
}
const make = (p: Page, name: string, opts: object) => p.evaluate(([name, opts]) => (window as any).make(name, opts), [name, opts] as const);
const track = (p: Page, name: string, events: object[]) =>
  p.evaluate(([name, events]) => { for (const e of events as object[]) (window as any)[name as string].track(e); }, [name, events] as const);
const flushT = (p: Page, name: string) => p.evaluate((name) => (window as any)[name].flush(), name);
const errs = (p: Page, name: string) => p.evaluate((name) => (window as any).errs[name], name);
const got = (): Received[] => [...s.c.unique().values()];

describe('spec: ESM build in a page', () => {
  it('spec-esm-1: createTracker from /dist/index.js delivers; aggregate/METRICS from /dist/metrics.js compute the tables in the page', async () => {
    const p = await open('/esm/pricing?secret=1#h');
    await make(p, 't', { orgId: 'esm_org', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    await track(p, 't', [
      { type: 'call.offered', callId: 'p1', repId: 'r1' },
      { type: 'call.accepted', callId: 'p1' },
      { type: 'call.requested', callId: 'i1' },
      { type: 'call.answered', callId: 'i1', repId: 'r2' },
      { type: 'call.requested', callId: 'i2', pageUrl: 'https://host.example/contact?x=1' },
      { type: 'call.timeout', callId: 'i2' },
      { type: 'chat.message', from: 'visitor', conversationId: 'k' },
      { type: 'chat.message', from: 'rep', repId: 'r1', conversationId: 'k' },
    ]);
    await flushT(p, 't');
    await s.c.uniqueEvents(7, 'esm events', 10_000);
    const events = got();
    expect(events.map((e) => e.metric).sort()).toEqual([
      'inbound_call_answered', 'inbound_call_missed', 'inbound_call_requested', 'inbound_call_requested',
      'inbound_chat_answered', 'inbound_chat_requested', 'proactive_call_accepted', 'proactive_call_attempted',
    ].sort());
    for (const e of events) expect(e.orgId).toBe('esm_org');
    const tables = await p.evaluate((events) => {
      const { aggregate, METRICS } = (window as any).lib;
      return { org: aggregate(events, { by: 'org' }), rep: aggregate(events, { by: 'rep' }), page: aggregate(events, { by: 'page' }), names: METRICS.map((m: any) => m.name) };
    }, s.c.events());
    expect(tables.names).toHaveLength(12);
    expect(tables.org).toHaveLength(1);
    expect(tables.org[0].counts).toMatchObject({ proactive_call_attempted: 1, proactive_call_accepted: 1, inbound_call_requested: 2, inbound_call_answered: 1, inbound_call_missed: 1, inbound_chat_requested: 1, inbound_chat_answered: 1, calls_held: 2, chats_held: 1 });
    expect(tables.rep.map((r: any) => [r.repId, r.counts.calls_held, r.counts.chats_held])).toEqual([['r1', 1, 1], ['r2', 1, 0]]);
    expect(tables.page.map((r: any) => r.page)).toEqual(['/contact', '/esm/pricing']);
    expect(tables.page[0].counts.inbound_call_missed).toBe(1);
    expect(await errs(p, 't')).toEqual([]);
  }, T);

  it('spec-esm-2: two trackers with different orgIds on one page keep separate state and separate batches', async () => {
    const p = await open();
    await make(p, 'a', { orgId: 'org_A', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    await make(p, 'b', { orgId: 'org_B', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    await track(p, 'a', [{ type: 'chat.message', from: 'visitor' }, { type: 'call.requested', callId: 'same' }]);
    await track(p, 'b', [{ type: 'chat.message', from: 'rep', repId: 'rb' }, { type: 'call.offered', callId: 'same', repId: 'rb' }]);
    await track(p, 'b', [{ type: 'call.accepted', callId: 'same' }]);
    await track(p, 'a', [{ type: 'call.answered', callId: 'same', repId: 'ra' }]);
    await Promise.all([flushT(p, 'a'), flushT(p, 'b')]);
    await s.c.uniqueEvents(6, 'two-org events', 10_000);
    const a = got().filter((e) => e.orgId === 'org_A');
    const b = got().filter((e) => e.orgId === 'org_B');
    expect(a.map((e) => e.metric)).toEqual(['inbound_chat_requested', 'inbound_call_requested', 'inbound_call_answered']);
    expect(b.map((e) => e.metric)).toEqual(['proactive_chat_attempted', 'proactive_call_attempted', 'proactive_call_accepted']);
    for (const post of s.c.posts()) {
      const orgs = new Set(post.events.map((e) => e.orgId));
      expect(orgs.size).toBeLessThanOrEqual(1);
    }
    expect(new Set(a.map((e) => e.sessionId)).size).toBe(1);
    expect(a[0].sessionId).not.toBe(b[0].sessionId);
    expect(await errs(p, 'a')).toEqual([]);
    expect(await errs(p, 'b')).toEqual([]);
    // endSession on one leaves the other alone
    await p.evaluate(() => (window as any).a.endSession());
    await track(p, 'b', [{ type: 'chat.message', from: 'visitor' }]);
    await flushT(p, 'b');
    await flushT(p, 'a');
    await s.c.uniqueEvents(8, 'after endSession', 10_000);
    expect(got().filter((e) => e.orgId === 'org_A').map((e) => e.metric)).toContain('inbound_chat_missed');
    const b2 = got().filter((e) => e.orgId === 'org_B');
    expect(b2.map((e) => e.metric)).toContain('proactive_chat_accepted');
    expect(new Set(b2.map((e) => e.sessionId)).size).toBe(1);
  }, T);

  it('spec-esm-3: the page becoming visible counts as activity (keeps the session alive)', async () => {
    const p = await open();
    const ctl = await open(); // control: another page, another org, no visibility change
    const timeout = 2_000;
    await make(p, 'v', { orgId: 'vis_org', endpoint: s.c.endpoint, flushIntervalMs: 60_000, sessionTimeoutMs: timeout });
    await make(ctl, 'w', { orgId: 'ctl_org', endpoint: s.c.endpoint, flushIntervalMs: 60_000, sessionTimeoutMs: timeout });
    await track(p, 'v', [{ type: 'chat.message', from: 'visitor' }]);
    await track(ctl, 'w', [{ type: 'chat.message', from: 'visitor' }]);
    await flushT(p, 'v');
    await flushT(ctl, 'w');
    for (let i = 0; i < 4; i++) {
      await sleep(800);
      await p.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    }
    // 3.2 s since the messages, each gap 0.8 s: only the visibility activity keeps vis_org's session.
    await track(p, 'v', [{ type: 'chat.message', from: 'rep', repId: 'r' }]);
    await track(ctl, 'w', [{ type: 'chat.message', from: 'rep', repId: 'r' }]);
    await flushT(p, 'v');
    await flushT(ctl, 'w');
    await s.c.uniqueEvents(5, 'visibility events', 10_000);
    const v = got().filter((e) => e.orgId === 'vis_org').map((e) => e.metric);
    const w = got().filter((e) => e.orgId === 'ctl_org').map((e) => e.metric);
    expect(w).toEqual(['inbound_chat_requested', 'inbound_chat_missed', 'proactive_chat_attempted']);
    expect(v).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
  }, T);

  it('spec-esm-4: an endpoint with a query string keeps it, for fetch and for the hide path', async () => {
    const p = await open();
    await p.evaluate(() => {
      const w = window as any;
      w.sent = [];
      const f = w.fetch.bind(w);
      w.fetch = (u: any, init: any) => (w.sent.push('fetch ' + String(u instanceof Request ? u.url : u)), f(u, init));
      const b = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (u: any, d: any) => (w.sent.push('beacon ' + String(u)), b(u, d));
    });
    const endpoint = s.c.endpoint + '?key=abc&v=1';
    await make(p, 'q', { orgId: 'q_org', endpoint, flushIntervalMs: 60_000 });
    await track(p, 'q', [{ type: 'call.requested', callId: 'q1' }]);
    await flushT(p, 'q');
    await s.c.uniqueEvents(1, 'query endpoint', 10_000);
    await track(p, 'q', [{ type: 'call.requested', callId: 'q2' }]);
    await p.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await s.c.uniqueEvents(2, 'query endpoint after hide', 10_000);
    const urls: string[] = await p.evaluate(() => (window as any).sent);
    console.log('[spec-esm-4] requests', urls);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const u of urls) expect(u.split(' ')[1]).toBe(endpoint);
    expect(await errs(p, 'q')).toEqual([]);
  }, T);

  it('spec-esm-5: debug: false logs nothing (bad input, unknown call, failed delivery); debug: true logs (in the debug build)', async () => {
    const quiet: string[] = [];
    const p = await open('/esm/page.html', quiet);
    await make(p, 'd', { orgId: 'dbg_off', endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
    s.c.failNext(400);
    await track(p, 'd', [{ type: 'nope' }, { type: 'call.accepted', callId: 'ghost' }, { type: 'call.requested', callId: 'x' }, { type: 'chat.message', from: 'visitor' }]);
    await flushT(p, 'd');
    await p.evaluate(() => (window as any).d.shutdown());
    await sleep(300);
    expect(quiet.filter((l) => !l.includes('Failed to load resource'))).toEqual([]);
    expect((await errs(p, 'd')).map((e: any) => e.code)).toEqual(['invalid_event', 'unknown_call', 'delivery_rejected']);

    const loud: string[] = [];
    const p2 = await open('/esm/debug.html', loud);
    await make(p2, 'd', { orgId: 'dbg_on', endpoint: s.c.endpoint, flushIntervalMs: 60_000, debug: true });
    await track(p2, 'd', [{ type: 'nope' }, { type: 'call.requested', callId: 'y' }]);
    await flushT(p2, 'd');
    await sleep(300);
    expect(loud.length).toBeGreaterThan(0);
    expect(loud.some((l) => l.includes('engage-tracker'))).toBe(true);
  }, T);
});
