// The page going away (issue 3 items 2 and 3): what waits is sent with keepalive as the page
// hides, confirmed when the page lives on, resent by the next page only after a grace period;
// work not yet committed is stashed synchronously and replayed exactly once.
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT, freshStorage, names, offered, requested, setVisibility, startTracker, stubEndpoint, T0, visitor } from './helpers';
import { UNCONFIRMED_GRACE_MS } from '../src/outbox';

const settle = () => new Promise((r) => setTimeout(r, 50)); // lets a BroadcastChannel message arrive
const hide = () => window.dispatchEvent(new Event('pagehide'));

/** The page dies: only what it wrote synchronously (localStorage) survives, IndexedDB as it was. */
async function dieAndReload(dying: { shutdown(): Promise<void> }) {
  stubEndpoint().answer(...Array(20).fill(0)); // nothing it sends from now on arrives
  const saved = Array.from({ length: localStorage.length }, (_, i) => localStorage.key(i) as string).map((k) => [k, localStorage.getItem(k) as string]);
  await dying.shutdown();
  freshStorage();
  for (const [k, v] of saved) localStorage.setItem(k, v);
}
const calls = (count: number) => Array.from({ length: count }, (_, i) => requested(`c${i}`));

describe('sending as the page hides', () => {
  it('sends what waits with a keepalive text/plain request, and it counts as delivered', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000, headers: { 'x-api-key': 'k' } });
    tracker.track(visitor());
    await tracker.endSession(); // stored, not sent
    expect(endpoint.requests).toHaveLength(0);
    hide();
    expect(endpoint.requests).toHaveLength(1);
    const { init } = endpoint.requests[0];
    expect(init.keepalive).toBe(true);
    // No header of ours (no x-api-key, no preflight): fetch types the string body text/plain.
    expect(init.headers).toBeUndefined();
    expect(new Request(ENDPOINT, { method: 'POST', body: init.body }).headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(1); // confirmed: nothing left to send
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('a keepalive request that gets no answer as the page goes away is sent again only after the grace period, once', async () => {
    // A closing tab cuts the page off from its keepalive request, which may still go out
    // (Firefox fires pagehide, rejects the fetch, then fires visibilitychange).
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const sent: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(`${init.keepalive ? 'keepalive' : 'normal'} ${JSON.parse(String(init.body)).events.length}`);
      if (init.keepalive) throw new TypeError('NetworkError when attempting to fetch resource.');
      return new Response(null, { status: 200 });
    });
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession();
    hide();
    await settle(); // the rejection arrives
    setVisibility('hidden');
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })); // it lived on after all
    setVisibility('visible');
    await tracker.flush();
    expect(sent).toEqual(['keepalive 2']);
    vi.setSystemTime(T0 + UNCONFIRMED_GRACE_MS);
    await tracker.flush();
    expect(sent).toEqual(['keepalive 2', 'normal 2']);
  });

  it('a keepalive request that fails while the page is visible again goes the normal way at once', async () => {
    const sent: string[] = [];
    let fail!: () => void;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      sent.push(`${init.keepalive ? 'keepalive' : 'normal'} ${JSON.parse(String(init.body)).events.length}`);
      if (init.keepalive) return new Promise<Response>((_resolve, reject) => (fail = () => reject(new TypeError('Failed to fetch'))));
      return Promise.resolve(new Response(null, { status: 200 }));
    });
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession();
    setVisibility('hidden'); // a tab switch
    setVisibility('visible');
    fail();
    await settle();
    await tracker.flush();
    expect(sent).toEqual(['keepalive 2', 'normal 2']);
  });

  it('a redirect answering a keepalive request while the page is hidden is a failed delivery: sent again once visible, reported once', async () => {
    const sent: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      sent.push(`${init.keepalive ? 'keepalive' : 'normal'} ${JSON.parse(String(init.body)).events.length}`);
      return init.keepalive ? ({ type: 'opaqueredirect', status: 0, headers: new Headers() } as Response) : new Response(null, { status: 200 });
    });
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession();
    setVisibility('hidden');
    await settle();
    setVisibility('visible');
    await tracker.flush();
    expect({ sent, codes: codes() }).toEqual({ sent: ['keepalive 2', 'normal 2'], codes: ['delivery_failed'] });
  });

  it('sends what fits the 64 KiB keepalive allowance, no beacon; the rest waits in the outbox', async () => {
    const endpoint = stubEndpoint();
    const beacon = vi.fn(() => true);
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: beacon });
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000, batchSize: 500, page: () => '/' + 'p'.repeat(900) });
    for (let i = 0; i < 300; i++) tracker.track(offered(`c${i}`));
    await tracker.endSession(); // stored, not sent
    hide();
    const sizes = endpoint.requests.map((r) => new Blob([String(r.init.body)]).size);
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(64_000);
    expect(beacon).not.toHaveBeenCalled();
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })); // the page lives on
    await tracker.flush();
    expect(new Set(endpoint.events().map((e) => e.callId)).size).toBe(300);
    // @ts-expect-error the property was added above
    delete navigator.sendBeacon;
  });

  it('lets the next page resend unconfirmed events only after the grace period, same ids', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    let release!: () => void;
    // The keepalive request leaves but its answer never comes back: the page died.
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      if (!init.keepalive) return new Response(null, { status: 200 });
      endpoint.bodies.push(JSON.parse(String(init.body)));
      return new Promise<Response>((resolve) => (release = () => resolve(new Response(null, { status: 500 }))));
    });
    const dying = startTracker({ flushIntervalMs: 3_600_000 });
    dying.tracker.track(visitor());
    await dying.tracker.endSession();
    hide();
    await dying.tracker.shutdown().catch(() => {});
    release();
    const firstIds = endpoint.events().map((e) => e.id);
    expect(firstIds).toHaveLength(2);

    const next = stubEndpoint();
    vi.setSystemTime(T0 + 5_000);
    const reloaded = startTracker();
    await reloaded.tracker.flush();
    expect(next.events()).toEqual([]); // within the grace period: probably delivered
    vi.setSystemTime(T0 + 31_000);
    await reloaded.tracker.flush();
    expect(next.events().map((e) => e.id)).toEqual(firstIds);
  });
});

describe('the last moments of a page', () => {
  it('keeps events tracked right before the page hides, when their transaction never ran', async () => {
    const dying = startTracker({ flushIntervalMs: 3_600_000 });
    await dying.tracker.flush(); // the page has been open a while
    calls(50).forEach(dying.tracker.track);
    hide(); // same task: nothing of the 50 is committed yet
    // The page dies before its queued work reaches IndexedDB or the network.
    await dieAndReload(dying.tracker);
    const endpoint = stubEndpoint();
    const reloaded = startTracker();
    await reloaded.tracker.flush();
    expect(names(endpoint.events())).toEqual(Array(50).fill('inbound_call_requested'));
    expect(new Set(endpoint.events().map((e) => e.callId)).size).toBe(50);
  });

  it('does not apply a stashed event twice when its transaction did commit', async () => {
    const endpoint = stubEndpoint();
    const page = startTracker({ flushIntervalMs: 3_600_000 });
    await page.tracker.flush();
    page.tracker.track(visitor());
    hide(); // stashed; but the page lives on and commits it
    await page.tracker.endSession();
    await page.tracker.flush();
    // A replay now would open a second conversation in a new session.
    const reloaded = startTracker();
    await reloaded.tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
  });

  it('replays a stash into the session it belonged to', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const dying = startTracker({ flushIntervalMs: 3_600_000 });
    await dying.tracker.flush();
    dying.tracker.track(visitor());
    hide();
    await dieAndReload(dying.tracker);
    const endpoint = stubEndpoint();
    vi.setSystemTime(T0 + 2 * 3_600_000); // the visitor comes back two hours later
    const reloaded = startTracker();
    await reloaded.tracker.flush();
    const [request, missed] = endpoint.events();
    expect(names([request, missed])).toEqual(['inbound_chat_requested', 'inbound_chat_missed']);
    expect(missed.occurredAt).toBe(new Date(T0 + 30 * 60_000).toISOString());
    expect(missed.sessionId).toBe(request.sessionId);
  });
});

it('stashes each item once when visibilitychange and pagehide both fire', async () => {
  stubEndpoint();
  const page = startTracker({ flushIntervalMs: 3_600_000 });
  await page.tracker.flush();
  calls(3).forEach(page.tracker.track);
  setVisibility('hidden');
  hide();
  // @ts-expect-error back to happy-dom's own getter
  delete document.visibilityState;
  const stash = JSON.parse(localStorage.getItem('engage-tracker:org_1:stash') ?? '{}');
  expect(stash.work).toHaveLength(3);
});

it('does not resend, as the page hides, events another tab already delivered', async () => {
  const endpoint = stubEndpoint();
  endpoint.answer(0); // this tab's own attempt fails: it backs off
  const b = startTracker({ flushIntervalMs: 3_600_000 });
  await b.tracker.flush();
  b.tracker.track(requested('c1'));
  await b.tracker.flush();
  // Tabs tell each other what they delivered; listen as a third tab would.
  const listener = new BroadcastChannel('engage-tracker:send:org_1');
  const told = new Promise((resolve) => (listener.onmessage = resolve));
  const a = startTracker({ flushIntervalMs: 3_600_000 });
  await a.tracker.flush(); // the other tab delivers the shared outbox
  expect(names(endpoint.events())).toEqual(['inbound_call_requested']);
  await told;
  listener.close();
  hide();
  expect(endpoint.requests.filter((r) => r.init.keepalive)).toHaveLength(0);
});

it.each([
  ['not JSON', '{oops'],
  ['the wrong shapes', JSON.stringify({ work: [{ kind: 'event', tab: 't', seq: 1, at: 1, href: '/', event: { type: 'nope' } }, 5, null], unconfirmed: [[1], 'x', null] })],
  ['not arrays', JSON.stringify({ work: 'x', unconfirmed: { a: 1 } })],
])('starts normally when the stash in localStorage is %s', async (_, value) => {
  localStorage.setItem('engage-tracker:org_1:stash', value);
  const endpoint = stubEndpoint();
  const { tracker, codes } = startTracker();
  tracker.track(visitor());
  await tracker.flush();
  expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  expect(codes()).toEqual([]);
});

it('replays a stashed event as normalized: a stray callId on a chat message does not make it a call', async () => {
  const chat = { type: 'chat.message', from: 'visitor', at: Date.now(), callId: 'stray' };
  localStorage.setItem('engage-tracker:org_1:stash', JSON.stringify({ work: [{ kind: 'event', tab: 't', seq: 1, at: chat.at, href: 'http://localhost/', event: chat }], unconfirmed: [] }));
  const endpoint = stubEndpoint();
  const { tracker, codes } = startTracker();
  await tracker.flush();
  expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  expect(codes()).toEqual([]);
});

it('sends again, as the page hides, a batch whose normal request is under way: it may have been cut off', async () => {
  const bodies: RequestInit[] = [];
  let answer!: () => void;
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    bodies.push(init);
    if (bodies.length === 1) return new Promise<Response>((r) => (answer = () => r(new Response(null, { status: 200 }))));
    return Promise.resolve(new Response(null, { status: 200 }));
  });
  const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
  await tracker.flush();
  calls(5).forEach(tracker.track);
  const sending = tracker.flush();
  await vi.waitFor(() => expect(bodies).toHaveLength(1));
  hide();
  expect(bodies.map((b) => [b.keepalive, JSON.parse(String(b.body)).events.length])).toEqual([[false, 5], [true, 5]]);
  answer();
  await sending;
  await tracker.flush();
  expect(bodies).toHaveLength(2); // both answered: nothing left to send
});

it('keeps keepalive bodies in flight under 64 KiB across both hide events', async () => {
  const keepalive: number[] = [];
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    if (!init.keepalive) return Promise.resolve(new Response(null, { status: 200 }));
    keepalive.push(new Blob([String(init.body)]).size);
    return new Promise<Response>(() => {}); // the page goes: no answer
  });
  Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: () => false }); // over quota
  const { tracker } = startTracker({ flushIntervalMs: 3_600_000, batchSize: 500, page: () => '/' + 'p'.repeat(900) });
  await tracker.flush();
  for (let i = 0; i < 200; i++) tracker.track(offered(`c${i}`));
  await tracker.endSession();
  setVisibility('hidden');
  hide();
  // @ts-expect-error back to happy-dom's own getter
  delete document.visibilityState;
  // @ts-expect-error the property was added above
  delete navigator.sendBeacon;
  expect(keepalive.length).toBeGreaterThan(0);
  expect(keepalive.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(64_000);
});

it('without IndexedDB, the next page sends its own events although the last one hid with events unconfirmed', async () => {
  vi.stubGlobal('indexedDB', undefined);
  const posted: { keepalive: boolean; callIds: string[] }[] = [];
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    posted.push({ keepalive: !!init.keepalive, callIds: JSON.parse(String(init.body)).events.map((e: { callId: string }) => e.callId) });
    // The page is gone before the keepalive answer.
    return init.keepalive ? new Promise<Response>(() => {}) : Promise.resolve(new Response(null, { status: 200 }));
  });
  const first = startTracker({ flushIntervalMs: 3_600_000 });
  await first.tracker.flush(); // the start's own send is done
  first.tracker.track(requested('c1'));
  await first.tracker.endSession(); // stored in memory, not sent yet
  hide();
  await first.tracker.shutdown();
  expect(posted).toEqual([{ keepalive: true, callIds: ['c1', 'c1'] }]); // requested, then missed at the session's end
  const next = startTracker({ flushIntervalMs: 3_600_000 });
  next.tracker.track(requested('c9'));
  await next.tracker.flush();
  expect(posted.filter((p) => !p.keepalive).flatMap((p) => p.callIds)).toContain('c9');
});

describe('the page-hide stash in localStorage', () => {
  const STASH = 'engage-tracker:org_1:stash';

  it('keeps only the page path, never the query string or hash, and replays on that page', async () => {
    history.pushState(null, '', '/reset?token=s3cret#mail=ann@example.com');
    const dying = startTracker({ flushIntervalMs: 3_600_000 });
    await dying.tracker.flush();
    dying.tracker.track(requested('c1'));
    dying.tracker.track({ ...visitor(), pageUrl: 'https://shop.example/cart?coupon=VIP42#x' });
    hide();
    const stash = localStorage.getItem(STASH) ?? '';
    expect(stash).toContain('/reset');
    expect(stash).not.toMatch(/s3cret|ann@example|coupon|VIP42|#x/);
    await dieAndReload(dying.tracker);
    const endpoint = stubEndpoint();
    const reloaded = startTracker();
    await reloaded.tracker.flush();
    expect(endpoint.events().map((e) => [e.metric, e.page])).toEqual([
      ['inbound_call_requested', '/reset'],
      ['inbound_chat_requested', '/cart'],
    ]);
    history.pushState(null, '', '/');
  });

  it('is cleared once its work is committed, when the page lives on', async () => {
    stubEndpoint();
    const page = startTracker({ flushIntervalMs: 3_600_000 });
    await page.tracker.flush();
    page.tracker.track(visitor());
    hide(); // stashed; but the page lives on and commits it
    expect(JSON.parse(localStorage.getItem(STASH) ?? '{}').work).toHaveLength(1);
    await page.tracker.flush();
    expect(JSON.parse(localStorage.getItem(STASH) ?? '{}').work ?? []).toHaveLength(0);
  });
});

describe('keepalive failures', () => {
  it('count once toward the backoff when they were in flight together, and are reported once', async () => {
    const answers: ((r: Response) => void)[] = [];
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) =>
      init.keepalive ? new Promise<Response>((resolve) => answers.push(resolve)) : Promise.resolve(new Response(null, { status: 200 })),
    );
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession(); // stored, not sent
    setVisibility('hidden'); // the tab goes to the background: one keepalive request
    tracker.track(requested('c1'));
    await tracker.endSession();
    hide(); // then the page goes: another, while the first is still under way
    // @ts-expect-error back to happy-dom's own getter
    delete document.visibilityState;
    expect(answers).toHaveLength(2);
    answers.forEach((answer) => answer(new Response(null, { status: 503 })));
    await tracker.flush();
    expect(codes()).toEqual(['delivery_failed']);
  });

  it('reach no onError once shutdown() has resolved', async () => {
    let answer!: (r: Response) => void;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) =>
      init.keepalive ? new Promise<Response>((resolve) => (answer = resolve)) : Promise.resolve(new Response(null, { status: 200 })),
    );
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession();
    hide();
    await tracker.shutdown();
    answer(new Response(null, { status: 503 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(codes()).toEqual([]);
  });
});

describe('the stash without IndexedDB', () => {
  it('work stashed as the page hid, then applied and delivered by that page as it lived on, is not counted again by the next page', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode: no IndexedDB, localStorage works
    const endpoint = stubEndpoint();
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    await first.tracker.flush();
    // The widget reports a request and the tab is hidden in the same task (the visitor switches tabs).
    first.tracker.track(requested('c1'));
    window.dispatchEvent(new Event('pagehide'));
    // The page lives on (back from the back/forward cache): its tracker applies and delivers c1.
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    await first.tracker.flush();
    await first.tracker.shutdown();
    const before = endpoint.events().filter((e) => e.callId === 'c1').length;
    // Next page load of the same site.
    const next = startTracker({ flushIntervalMs: 3_600_000 });
    await next.tracker.flush();
    const requests = endpoint.events().filter((e) => e.metric === 'inbound_call_requested' && e.callId === 'c1');
    expect({ before, after: requests.length, distinctIds: new Set(requests.map((e) => e.id)).size }).toEqual({ before: 1, after: 1, distinctIds: 1 });
  });

  it('an event still queued as the page goes away (pagehide, not shown again) reaches the endpoint, from this page or the next', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode: memory, and the localStorage stash
    const endpoint = stubEndpoint();
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    await first.tracker.flush();
    // The tab is already hidden (the visitor switched tabs); the widget reports a request and
    // the tab is closed in the same task: pagehide alone, no visibilitychange follows.
    first.tracker.track(requested('c1'));
    window.dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r, 20)); // the page's last microtasks; then it is gone
    // Next page load of the same site.
    const next = startTracker({ flushIntervalMs: 3_600_000 });
    await next.tracker.flush();
    expect(endpoint.events().filter((e) => e.callId === 'c1').map((e) => e.metric)).toEqual(['inbound_call_requested']);
  });
});

describe('tabs without IndexedDB, as the page hides', () => {
  it('one tracker delivering its in-memory event does not make another tracker of the org forget its own, different event as the page hides', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode: both work in memory
    const posts: { keepalive: boolean; callIds: string[] }[] = [];
    vi.stubGlobal('fetch', async (_u: string, init: RequestInit) => {
      posts.push({ keepalive: !!init.keepalive, callIds: JSON.parse(String(init.body)).events.map((e: { callId: string }) => e.callId) });
      return new Response(null, { status: 200 });
    });
    const a = startTracker({ flushIntervalMs: 3_600_000 });
    const b = startTracker({ flushIntervalMs: 3_600_000 });
    await a.tracker.flush();
    await b.tracker.flush();
    b.tracker.track(offered('b1'));
    await b.tracker.endSession(); // stored in B's memory outbox, not sent yet
    a.tracker.track(offered('a1'));
    await a.tracker.flush(); // A delivers its own event (memory key -1, like B's)
    await settle();
    window.dispatchEvent(new Event('pagehide')); // the page goes: memory is all B had
    // Without A's delivery, B sends b1 with keepalive here (checked); with it, B sends nothing.
    expect(posts.filter((p) => p.keepalive).flatMap((p) => p.callIds)).toEqual(['b1']);
  });
});

describe('custom headers and the hide path', () => {
  it('a tab switch (hidden, then visible) with an endpoint that needs the `headers` option does not drop the waiting events for good', async () => {
    const received: string[] = [];
    const statuses: number[] = [];
    // An endpoint that needs the API key the site passes in `headers`.
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      const auth = new Headers(init.headers).get('authorization');
      const status = auth === 'Bearer k' ? 200 : 401;
      statuses.push(status);
      if (status === 200) received.push(...JSON.parse(String(init.body)).events.map((e: { metric: string }) => e.metric));
      return new Response(null, { status });
    });
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000, headers: { authorization: 'Bearer k' } });
    tracker.track({ type: 'call.requested', callId: 'c1' });
    await tracker.endSession(); // stored (and the session ended), not sent yet
    // The visitor switches to another tab for a moment and comes back.
    setVisibility('hidden');
    setVisibility('visible');
    await new Promise((r) => setTimeout(r, 50));
    await tracker.flush();
    await tracker.flush();
    // Observed: the header-less keepalive sent as the tab hid got a 401, which dropped both
    // events (delivery_rejected); the normal path, with the key, never had a chance.
    expect({ received: received.sort(), statuses, codes: codes() }).toEqual({ received: ['inbound_call_missed', 'inbound_call_requested'], statuses: [401, 200], codes: [] });
  });
});
