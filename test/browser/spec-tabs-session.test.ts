// @vitest-environment node
// Scenarios written from SPEC.md alone: tabs, sessions, pages, reloads (real Chromium).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appUrlWith, browserSuite, openAppWith, startStatic, type AppPage, type AppWindow, type Received, type StaticServer } from './harness';

const s = browserSuite();
const T = 30_000;

const open = (o: object, page?: AppPage): Promise<Page> => openAppWith(s.context, s.web, { endpoint: s.c.endpoint, flushIntervalMs: 60_000, ...o }, page);
const track = (p: Page, ...events: object[]) =>
  p.evaluate((evs) => {
    for (const e of evs) (window as unknown as AppWindow).tracker.track(e);
    return Date.now();
  }, events);
const flush = (p: Page) => p.evaluate(() => (window as unknown as AppWindow).tracker.flush());
const codes = (p: Page) => p.evaluate(() => (window as unknown as AppWindow).trackerErrors.map((e) => e.code));
const pageErrors = (p: Page) => p.evaluate(() => (window as unknown as AppWindow).pageErrors);
const got = () => [...s.c.unique().values()];
const named = (m: string) => got().filter((e) => e.metric === m);
const brief = (e: Received) => ({ metric: e.metric, repId: e.repId, page: e.page, callId: e.callId, reason: e.reason });
const PAGE = '/pages/app.html';

describe('spec: tabs and sessions', () => {
  it('spec-tabs-1: a call requested in tab A and answered in tab B counts once each; later outcomes change nothing', async () => {
    const org = 'rv_tabs_call';
    const [a, b] = await Promise.all([open({ orgId: org }), open({ orgId: org })]);
    await b.evaluate(() => history.pushState({}, '', '/pages/tab-b?email=x%40y.z#h'));
    await track(a, { type: 'call.requested', callId: 'c1' });
    await flush(a);
    await track(b, { type: 'call.answered', callId: 'c1', repId: 'r1' });
    await flush(b);
    await track(a, { type: 'call.timeout', callId: 'c1' }, { type: 'call.answered', callId: 'c1', repId: 'r2' });
    await track(b, { type: 'call.requested', callId: 'c1' }, { type: 'call.canceled', callId: 'c1' }, { type: 'call.accepted', callId: 'never' });
    await Promise.all([flush(a), flush(b)]);
    await s.c.uniqueEvents(2, 'call metrics', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([flush(a), flush(b)]);
    const ev = got();
    expect(ev.map(brief)).toEqual([
      { metric: 'inbound_call_requested', repId: undefined, page: PAGE, callId: 'c1', reason: undefined },
      { metric: 'inbound_call_answered', repId: 'r1', page: '/pages/tab-b', callId: 'c1', reason: undefined },
    ]);
    expect(new Set(ev.map((e) => e.sessionId)).size).toBe(1);
    expect(new Set(ev.map((e) => e.visitorId)).size).toBe(1);
    expect(ev.every((e) => e.orgId === org)).toBe(true);
    expect(await codes(a)).toEqual([]);
    expect(await codes(b)).toEqual(['unknown_call']);
    expect(s.c.duplicates()).toBe(0);
  }, T);

  it('spec-tabs-2: a chat across two tabs (inbound, then proactive after endSession), bots ignored, conversationId carried', async () => {
    const org = 'rv_tabs_chat';
    const [a, b] = await Promise.all([open({ orgId: org }), open({ orgId: org })]);
    await b.evaluate(() => history.pushState({}, '', '/pages/tab-b'));
    await track(a, { type: 'chat.message', from: 'bot', messageId: 'b0' });
    await flush(a);
    await track(a, { type: 'chat.message', from: 'visitor', messageId: 'v1', conversationId: 'conv1' });
    await flush(a);
    await track(b, { type: 'chat.message', from: 'bot', messageId: 'b1' }, { type: 'chat.message', from: 'rep', repId: 'r2', messageId: 'm2', conversationId: 'conv1' });
    await flush(b);
    await track(a, { type: 'chat.message', from: 'visitor', messageId: 'v3' }, { type: 'chat.message', from: 'rep', repId: 'r3', messageId: 'm4' });
    await flush(a);
    await s.c.uniqueEvents(2, 'inbound chat', 5_000);
    const first = got();
    expect(first.map(brief)).toEqual([
      { metric: 'inbound_chat_requested', repId: undefined, page: PAGE, callId: undefined, reason: undefined },
      { metric: 'inbound_chat_answered', repId: 'r2', page: '/pages/tab-b', callId: undefined, reason: undefined },
    ]);
    expect(first.map((e) => (e as unknown as { conversationId?: string }).conversationId)).toEqual(['conv1', 'conv1']);
    // An answered inbound chat misses nothing when the session ends.
    await b.evaluate(() => (window as unknown as AppWindow).tracker.endSession());
    await track(b, { type: 'chat.message', from: 'rep', repId: 'r5', messageId: 'm5' });
    await flush(b);
    await track(a, { type: 'chat.message', from: 'visitor', messageId: 'v6' });
    await flush(a);
    await s.c.uniqueEvents(4, 'proactive chat', 5_000);
    await Promise.all([flush(a), flush(b)]);
    const second = got().slice(2);
    expect(second.map(brief)).toEqual([
      { metric: 'proactive_chat_attempted', repId: 'r5', page: '/pages/tab-b', callId: undefined, reason: undefined },
      { metric: 'proactive_chat_accepted', repId: 'r5', page: PAGE, callId: undefined, reason: undefined },
    ]);
    expect(second[0].sessionId).toBe(second[1].sessionId);
    expect(second[0].sessionId).not.toBe(first[0].sessionId);
    expect(first[0].sessionId).toBe(first[1].sessionId);
    expect(new Set(got().map((e) => e.visitorId)).size).toBe(1);
    expect(got()).toHaveLength(4);
    expect([...(await codes(a)), ...(await codes(b))]).toEqual([]);
  }, T);

  it('spec-session-1: the session ends by sessionTimeoutMs while two tabs stay open: each missed metric once, old sessionId, occurredAt = last activity + timeout', async () => {
    const org = 'rv_timeout';
    const timeout = 2_500;
    const o = { orgId: org, sessionTimeoutMs: timeout, flushIntervalMs: 300 };
    const [a, b] = await Promise.all([open(o), open(o)]);
    await b.evaluate(() => history.pushState({}, '', '/pages/tab-b?q=1'));
    await track(a, { type: 'chat.message', from: 'visitor' });
    const lastAt = await track(b, { type: 'call.requested', callId: 'tc1' });
    await s.c.uniqueEvents(2, 'requests', 5_000);
    const missed = (e: Received) => e.metric.endsWith('_missed');
    await s.c.uniqueEvents(2, 'missed metrics at session end', 12_000, missed);
    await new Promise((r) => setTimeout(r, 800)); // time for a second tab to (wrongly) emit its own
    const [chatReq, callReq] = got();
    const m = got().filter(missed);
    expect(m.map(brief).sort((x, y) => x.metric.localeCompare(y.metric))).toEqual([
      { metric: 'inbound_call_missed', repId: undefined, page: '/pages/tab-b', callId: 'tc1', reason: 'session_end' },
      { metric: 'inbound_chat_missed', repId: undefined, page: PAGE, callId: undefined, reason: 'session_end' },
    ]);
    for (const e of m) {
      expect(e.sessionId).toBe(chatReq.sessionId);
      const diff = Date.parse(e.occurredAt) - (lastAt + timeout);
      expect(Math.abs(diff), `occurredAt ${e.occurredAt} vs last activity + timeout`).toBeLessThan(250);
    }
    expect(callReq.sessionId).toBe(chatReq.sessionId);
    // The first activity after the end starts a new session.
    await track(a, { type: 'chat.message', from: 'visitor' });
    await flush(a);
    await s.c.uniqueEvents(5, 'new session request', 5_000);
    const next = got()[4];
    expect(next.metric).toBe('inbound_chat_requested');
    expect(next.sessionId).not.toBe(chatReq.sessionId);
    expect(next.visitorId).toBe(chatReq.visitorId);
    expect(got()).toHaveLength(5);
    expect([...(await codes(a)), ...(await codes(b))]).toEqual([]);
  }, T);

  it('spec-session-2: endSession() then a new session; a callId never counts again, a late answer changes nothing', async () => {
    const org = 'rv_end';
    const p = await open({ orgId: org });
    await track(p, { type: 'chat.message', from: 'visitor', messageId: 'v1' }, { type: 'call.requested', callId: 'e1' });
    await flush(p);
    const endAt = await p.evaluate(async () => {
      const t = Date.now();
      await (window as unknown as AppWindow).tracker.endSession();
      return t;
    });
    await flush(p);
    await s.c.uniqueEvents(4, 'missed after endSession', 5_000);
    await track(p, { type: 'call.answered', callId: 'e1', repId: 'r1' }, { type: 'call.requested', callId: 'e1' }, { type: 'chat.message', from: 'visitor', messageId: 'v2' });
    await flush(p);
    await s.c.uniqueEvents(5, 'new session', 5_000);
    await flush(p);
    const ev = got();
    expect(ev.map(brief)).toEqual([
      { metric: 'inbound_chat_requested', repId: undefined, page: PAGE, callId: undefined, reason: undefined },
      { metric: 'inbound_call_requested', repId: undefined, page: PAGE, callId: 'e1', reason: undefined },
      expect.objectContaining({ metric: expect.stringMatching(/_missed$/), reason: 'session_end' }),
      expect.objectContaining({ metric: expect.stringMatching(/_missed$/), reason: 'session_end' }),
      { metric: 'inbound_chat_requested', repId: undefined, page: PAGE, callId: undefined, reason: undefined },
    ]);
    expect(new Set(ev.slice(2, 4).map((e) => e.metric))).toEqual(new Set(['inbound_chat_missed', 'inbound_call_missed']));
    for (const e of ev.slice(2, 4)) {
      expect(e.sessionId).toBe(ev[0].sessionId);
      expect(Math.abs(Date.parse(e.occurredAt) - endAt)).toBeLessThan(1_000);
    }
    expect(ev[4].sessionId).not.toBe(ev[0].sessionId);
    expect(ev[4].visitorId).toBe(ev[0].visitorId);
    expect(await codes(p)).toEqual([]);
  }, T);

  it('spec-page-1: page is the path after history.pushState (no query, no hash), page() grouping applies, missed carries the request page', async () => {
    const org = 'rv_page';
    const p = await open({ orgId: org }, 'group');
    await p.evaluate(() => history.pushState({}, '', '/pages/blog/post-1?email=a%40b.c#frag'));
    await track(p, { type: 'call.requested', callId: 'p1' });
    await p.evaluate(() => history.pushState({}, '', '/pages/checkout?token=secret#x'));
    await track(p, { type: 'call.canceled', callId: 'p1' }, { type: 'call.offered', callId: 'p2', repId: 'r9' });
    await track(p, { type: 'call.accepted', callId: 'p2', pageUrl: 'https://customer.example.com/pricing/plans?utm=1#top' });
    await flush(p);
    await s.c.uniqueEvents(4, 'page metrics', 5_000);
    expect(got().map(brief)).toEqual([
      { metric: 'inbound_call_requested', repId: undefined, page: '/blog/*', callId: 'p1', reason: undefined },
      { metric: 'inbound_call_missed', repId: undefined, page: '/blog/*', callId: 'p1', reason: 'canceled' },
      { metric: 'proactive_call_attempted', repId: 'r9', page: '/pages/checkout', callId: 'p2', reason: undefined },
      { metric: 'proactive_call_accepted', repId: 'r9', page: '/pricing/plans', callId: 'p2', reason: undefined },
    ]);
    expect(JSON.stringify(got())).not.toMatch(/secret|utm|email|frag/);
    expect(await codes(p)).toEqual([]);
  }, T);

  it('spec-page-2: a tracker inside a cross-origin widget iframe uses the host page path given as pageUrl', async () => {
    const org = 'rv_iframe_page';
    const widgets: StaticServer = await startStatic();
    try {
      const inner = appUrlWith(widgets, { orgId: org, endpoint: s.c.endpoint, flushIntervalMs: 60_000 });
      s.web.route('/shop/pricing', { body: `<!doctype html><meta charset="utf-8"><title>host</title><iframe src="${inner}"></iframe>`, type: 'text/html; charset=utf-8' });
      const host = await s.context.newPage();
      await host.goto(`${s.web.origin}/shop/pricing?ref=mail#a`);
      const frame = host.frames().find((f) => f.url().startsWith(widgets.origin));
      expect(frame).toBeTruthy();
      await frame!.waitForFunction(() => 'tracker' in window);
      const hostUrl = host.url();
      await frame!.evaluate((pageUrl) => {
        const t = (window as unknown as AppWindow).tracker;
        t.track({ type: 'call.requested', callId: 'f1', pageUrl });
        t.track({ type: 'chat.message', from: 'visitor', pageUrl });
        return t.flush();
      }, hostUrl);
      await s.c.uniqueEvents(2, 'iframe metrics', 5_000);
      expect(got().map((e) => e.page)).toEqual(['/shop/pricing', '/shop/pricing']);
      // Then the host navigates (SPA); the widget passes the new URL; the missed call keeps the request page.
      await frame!.evaluate((pageUrl) => {
        const t = (window as unknown as AppWindow).tracker;
        t.track({ type: 'call.timeout', callId: 'f1', pageUrl });
        t.track({ type: 'chat.message', from: 'rep', repId: 'r1', pageUrl });
        return t.flush();
      }, `${s.web.origin}/shop/checkout?x=1`);
      await s.c.uniqueEvents(4, 'iframe metrics 2', 5_000);
      expect(got().map(brief).slice(2)).toEqual([
        { metric: 'inbound_call_missed', repId: undefined, page: '/shop/pricing', callId: 'f1', reason: 'timeout' },
        { metric: 'inbound_chat_answered', repId: 'r1', page: '/shop/checkout', callId: undefined, reason: undefined },
      ]);
      expect(await frame!.evaluate(() => (window as unknown as AppWindow).trackerErrors.map((e) => e.code))).toEqual([]);
    } finally {
      await widgets.close();
    }
  }, T);

  it('spec-reload-1: reload in the middle of a call: same session, re-rendered request/message not recounted, answer after reload counts', async () => {
    const org = 'rv_reload';
    const p = await open({ orgId: org });
    await track(p, { type: 'call.requested', callId: 'rl1' }, { type: 'chat.message', from: 'visitor', messageId: 'mv1' });
    // No flush: reload right away; the events must survive.
    await p.reload();
    await p.waitForFunction(() => 'tracker' in window);
    await track(p, { type: 'call.requested', callId: 'rl1' }, { type: 'chat.message', from: 'visitor', messageId: 'mv1' }, { type: 'call.answered', callId: 'rl1', repId: 'r7' });
    await flush(p);
    await s.c.uniqueEvents(3, 'reload metrics', 8_000);
    await flush(p);
    const ev = got();
    expect(ev.map((e) => e.metric).sort()).toEqual(['inbound_call_answered', 'inbound_call_requested', 'inbound_chat_requested']);
    expect(new Set(ev.map((e) => e.sessionId)).size).toBe(1);
    expect(ev.find((e) => e.metric === 'inbound_call_answered')?.repId).toBe('r7');
    expect(await codes(p)).toEqual([]);
  }, T);

  it('spec-at-1: an `at` earlier than the last activity counts in the current session; occurredAt follows `at`; bad input reported, never thrown', async () => {
    const org = 'rv_at';
    const p = await open({ orgId: org, sessionTimeoutMs: 60_000 });
    await track(p, { type: 'chat.message', from: 'visitor' });
    await flush(p);
    await s.c.uniqueEvents(1, 'first', 5_000);
    const old = Date.now() - 10 * 60_000;
    await track(p, { type: 'call.requested', callId: 'a1', at: old }, { type: 'call.requested', callId: 'a2', at: new Date(old).toISOString() });
    const bad = await p.evaluate(() => {
      const t = (window as unknown as AppWindow).tracker;
      const inputs: unknown[] = [null, 42, 'x', [], {}, { type: 'nope' }, { type: 'call.requested' }, { type: 'call.requested', callId: 5 }, { type: 'call.offered', callId: 'z' }, { type: 'chat.message', from: 'alien' }, { type: 'chat.message', from: 'rep' }, { type: 'chat.message', from: 'visitor', at: 'not a date' }, undefined];
      let thrown = 0;
      for (const i of inputs) {
        try {
          t.track(i as object);
        } catch {
          thrown++;
        }
      }
      return { thrown, n: inputs.length };
    });
    await flush(p);
    await s.c.uniqueEvents(3, 'at metrics', 5_000);
    const ev = got();
    expect(ev.slice(1).every((e) => e.sessionId === ev[0].sessionId)).toBe(true);
    expect(ev.slice(1).map((e) => Date.parse(e.occurredAt))).toEqual([old, old]);
    expect(bad.thrown).toBe(0);
    expect(await codes(p)).toEqual(Array(bad.n).fill('invalid_event'));
    expect(await pageErrors(p)).toEqual([]);
    expect(ev).toHaveLength(3);
  }, T);
});

describe('spec: session edges', () => {
  it('spec-session-3: another tab keeps the session alive; it ends only after the last activity of any tab', async () => {
    const org = 'rv_alive';
    const timeout = 2_000;
    const o = { orgId: org, sessionTimeoutMs: timeout, flushIntervalMs: 300 };
    const [a, b] = await Promise.all([open(o), open(o)]);
    await track(a, { type: 'call.requested', callId: 'k1' });
    await new Promise((r) => setTimeout(r, 1_200));
    const lastAt = await track(b, { type: 'chat.message', from: 'bot' }); // a widget event: activity, no metric
    await new Promise((r) => setTimeout(r, 1_300)); // A's own timer has fired by now
    const early = got().filter((e) => e.metric.endsWith('_missed'));
    await s.c.uniqueEvents(1, 'the missed call', 8_000, (e) => e.metric === 'inbound_call_missed');
    const m = got().find((e) => e.metric === 'inbound_call_missed') as Received;
    expect(early).toEqual([]);
    expect(m.reason).toBe('session_end');
    expect(Math.abs(Date.parse(m.occurredAt) - (lastAt + timeout))).toBeLessThan(250);
    await new Promise((r) => setTimeout(r, 600));
    expect(got().filter((e) => e.metric === 'inbound_call_missed')).toHaveLength(1);
  }, T);

  it('spec-session-4: with every tab closed, the session end is noticed at the next page load (old sessionId, occurredAt = last activity + timeout)', async () => {
    const org = 'rv_nextload';
    const timeout = 1_500;
    const o = { orgId: org, sessionTimeoutMs: timeout };
    const a = await open(o);
    const lastAt = await track(a, { type: 'chat.message', from: 'visitor' }, { type: 'call.requested', callId: 'n1' });
    await flush(a);
    await s.c.uniqueEvents(2, 'requests', 5_000);
    await a.close({ runBeforeUnload: true });
    await new Promise((r) => setTimeout(r, timeout + 500));
    const b = await open(o);
    await flush(b);
    await s.c.uniqueEvents(4, 'missed at next load', 5_000);
    const [req] = got();
    const m = got().slice(2);
    expect(new Set(m.map((e) => e.metric))).toEqual(new Set(['inbound_chat_missed', 'inbound_call_missed']));
    for (const e of m) {
      expect(e.reason).toBe('session_end');
      expect(e.sessionId).toBe(req.sessionId);
      expect(e.page).toBe(PAGE);
      expect(e.repId).toBeUndefined();
      expect(Math.abs(Date.parse(e.occurredAt) - (lastAt + timeout))).toBeLessThan(250);
    }
    expect(await codes(b)).toEqual([]);
  }, T);

  it('spec-tabs-3: two reps answer the same requested call at the same instant in two tabs: one inbound_call_answered', async () => {
    const org = 'rv_race';
    const [a, b] = await Promise.all([open({ orgId: org }), open({ orgId: org })]);
    await track(a, { type: 'call.requested', callId: 'race1' });
    await flush(a);
    await s.c.uniqueEvents(1, 'request', 5_000);
    for (let round = 0; round < 3; round++) {
      const at = Date.now() + 300;
      const callId = round === 0 ? 'race1' : `race${round + 1}`;
      if (round > 0) await track(a, { type: 'call.requested', callId });
      await Promise.all(
        [a, b].map((p, i) =>
          p.evaluate(
            ({ at, callId, rep }) =>
              new Promise<void>((done) =>
                setTimeout(() => {
                  (window as unknown as AppWindow).tracker.track({ type: 'call.answered', callId, repId: rep });
                  done();
                }, at - Date.now()),
              ),
            { at, callId, rep: `rep${i}` },
          ),
        ),
      );
    }
    await Promise.all([flush(a), flush(b)]);
    await s.c.uniqueEvents(6, 'answers', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([flush(a), flush(b)]);
    expect(named('inbound_call_answered')).toHaveLength(3);
    expect(named('inbound_call_requested')).toHaveLength(3);
  }, T);
});
