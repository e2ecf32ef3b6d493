// Batched delivery (SPEC sections 5 and 6): the wire format, when batches go, what stays in
// the outbox until a 2xx, and what failures are reported.
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT, names, requested, setVisibility, startTracker, stubEndpoint, T0, visitor, rep, offered, answered } from './helpers';

const calls = (count: number, prefix = 'c') => Array.from({ length: count }, (_, i) => requested(`${prefix}${i}`));

describe('the wire', () => {
  it('posts one JSON batch body per request', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ headers: { 'x-api-key': 'k1' } });
    history.pushState(null, '', '/pricing?utm=x');
    tracker.track(offered('c1', 'rep_7'));
    tracker.track({ ...rep('rep_7'), conversationId: 'conv_1' });
    await tracker.flush();
    const { init } = endpoint.requests[0];
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', 'x-api-key': 'k1' });
    const body = JSON.parse(String(init.body));
    const ids = new Map<string, string>();
    const stable = (id: string, label: string) => (ids.has(id) ? ids.get(id) : ids.set(id, `<${label}${ids.size}>`).get(id));
    for (const e of body.events) {
      e.id = stable(e.id, 'id');
      e.visitorId = stable(e.visitorId, 'visitor');
      e.sessionId = stable(e.sessionId, 'session');
    }
    expect(body).toMatchInlineSnapshot(`
      {
        "events": [
          {
            "callId": "c1",
            "id": "<id0>",
            "metric": "proactive_call_attempted",
            "occurredAt": "2026-11-24T15:00:00.000Z",
            "orgId": "org_1",
            "page": "/pricing",
            "repId": "rep_7",
            "sessionId": "<session2>",
            "visitorId": "<visitor1>",
          },
          {
            "conversationId": "conv_1",
            "id": "<id3>",
            "metric": "proactive_chat_attempted",
            "occurredAt": "2026-11-24T15:00:00.000Z",
            "orgId": "org_1",
            "page": "/pricing",
            "repId": "rep_7",
            "sessionId": "<session2>",
            "visitorId": "<visitor1>",
          },
        ],
        "sdk": {
          "name": "engage-tracker",
          "version": "0.1.0",
        },
        "sentAt": "2026-11-24T15:00:00.000Z",
      }
    `);
  });

  /** The ids of `count` calls' metric events, checked to be distinct UUIDs v4. */
  const uuidsOf = async (count: number) => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    calls(count).forEach(tracker.track);
    await tracker.flush();
    const ids = endpoint.events().map((e) => e.id);
    expect(new Set(ids).size).toBe(count);
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    return ids;
  };

  it('gives every metric event its own UUID', async () => {
    await uuidsOf(30);
  });

  it('gives UUIDs v4 on an http page too, where crypto.randomUUID is missing', async () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: <T extends ArrayBufferView>(a: T) => real.getRandomValues(a) });
    const ids = await uuidsOf(300);
    // Every random digit takes every value; the variant digit, each of 8, 9, a and b.
    const digits = (at: number) => new Set(ids.map((id) => id[at])).size;
    expect([digits(0), digits(14), digits(19), digits(35)]).toEqual([16, 1, 4, 16]);
  });
});

describe('when batches go', () => {
  it('sends as soon as batchSize events wait, without flush()', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 3, flushIntervalMs: 3_600_000 });
    calls(3).forEach(tracker.track);
    await endpoint.requested(1);
    expect(endpoint.bodies[0].events).toHaveLength(3);
  });

  it('sends a partial batch when flushIntervalMs passes, not before', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 20, flushIntervalMs: 300 });
    await tracker.flush(); // startup: nothing to send yet
    const trackedAt = performance.now();
    tracker.track(visitor());
    await endpoint.requested(1);
    expect(performance.now() - trackedAt).toBeGreaterThanOrEqual(295);
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  });

  it('sends what waits on flush(), in batches of at most batchSize', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 20, flushIntervalMs: 3_600_000 });
    calls(45).forEach(tracker.track);
    await tracker.flush();
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([20, 20, 5]);
    expect(new Set(endpoint.events().map((e) => e.callId)).size).toBe(45);
  });

  it('sends batchSize events per request, splitting only bodies over 1 MB', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 500, flushIntervalMs: 3_600_000 });
    calls(500).forEach(tracker.track);
    await tracker.flush();
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([500]);
    endpoint.bodies.length = 0;
    // About 1.5 KB per event: 500 of them would be 750 KB, 800 would not fit.
    const big = startTracker({ orgId: 'org_big', batchSize: 500, flushIntervalMs: 3_600_000, page: () => '/' + 'p'.repeat(1_200) }).tracker;
    calls(500).forEach(big.track);
    await big.flush();
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([500]);
    endpoint.bodies.length = 0;
    endpoint.requests.length = 0;
    // Pages are capped at 1,024 characters; at 3 bytes each, 500 events would be 1.7 MB.
    const huge = startTracker({ orgId: 'org_huge', batchSize: 500, flushIntervalMs: 3_600_000, page: () => '/' + '€'.repeat(1_020) }).tracker;
    calls(400).forEach(huge.track);
    await huge.flush();
    expect(endpoint.requests.length).toBeGreaterThan(1);
    expect(endpoint.bodies.reduce((n, b) => n + b.events.length, 0)).toBe(400);
    for (const { init } of endpoint.requests) expect(new Blob([String(init.body)]).size).toBeLessThan(1_000_000);
  });

  it('sends full batches at once and a partial one when flushIntervalMs has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 2, flushIntervalMs: 5_000 });
    await tracker.flush();
    calls(3).forEach(tracker.track);
    await endpoint.requested(1);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([2]);
    await vi.advanceTimersByTimeAsync(1_100);
    await endpoint.requested(2);
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([2, 1]);
  });

  it('sends a partial batch whose interval passed just as a pass for full batches ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 2, flushIntervalMs: 1_000 });
    await tracker.flush();
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      // The sending lease given up after the full batch went (no Web Locks here): the interval
      // fires at that very moment, while that pass still counts as running.
      if (key === 'lease' && (value as { until: number }).until === 0 && endpoint.requests.length === 1) vi.advanceTimersByTime(1_000);
      return put.call(this, value, key);
    });
    calls(3).forEach(tracker.track);
    await endpoint.requested(2);
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([2, 1]);
  });

  it('sends when the browser comes back online, without waiting out the backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const endpoint = stubEndpoint();
    endpoint.answer(0); // offline: a network error
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(1);
    window.dispatchEvent(new Event('online'));
    await endpoint.requested(2);
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  });

  it('resolves flush() with nothing to send', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(0);
  });
});

describe('failures', () => {
  it('keeps events when the endpoint is down and the next page load sends them, same ids', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0);
    const first = startTracker();
    calls(3).forEach(first.tracker.track);
    await first.tracker.flush();
    expect(first.codes()).toEqual(['delivery_failed']);
    await first.tracker.shutdown();
    const failedIds = (JSON.parse(String(endpoint.requests[0].init.body)).events as { id: string }[]).map((e) => e.id);
    const second = startTracker();
    await second.tracker.flush();
    expect(endpoint.events().map((e) => e.id)).toEqual(failedIds);
  });

  it.each([500, 503, 408, 429])('retries %i with backoff, with the same event ids', async (status) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = stubEndpoint();
    endpoint.answer(status);
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    expect(codes()).toEqual(['delivery_failed']);
    expect(endpoint.events()).toEqual([]);
    await tracker.flush(); // during the backoff: no second request
    expect(endpoint.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(61_000);
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(2);
    expect(endpoint.events().map((e) => e.id)).toEqual([JSON.parse(String(endpoint.requests[0].init.body)).events[0].id]);
  });

  it('gives up on a request unanswered for 30 s: flush() resolves, the events are kept and retried', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let hang = true;
    const bodies: string[] = [];
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      bodies.push(String(init.body));
      if (!hang) return Promise.resolve(new Response(null, { status: 200 }));
      // An endpoint that accepts the connection and never answers.
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    });
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    let flushed = false;
    const flushing = tracker.flush().then(() => (flushed = true));
    await vi.waitFor(() => expect(bodies).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(29_000);
    expect(flushed).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    await flushing;
    expect(codes()).toEqual(['delivery_failed']);
    hang = false;
    await vi.advanceTimersByTimeAsync(61_000); // the backoff
    await tracker.flush();
    expect(bodies).toHaveLength(2);
    expect(JSON.parse(bodies[1]).events[0].id).toBe(JSON.parse(bodies[0]).events[0].id);
  });

  it.each([400, 404, 422])('drops a batch answered %i and reports it', async (status) => {
    const endpoint = stubEndpoint();
    endpoint.answer(status);
    const { tracker, errors } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    expect(errors.map((e) => e.code)).toEqual(['delivery_rejected']);
    expect(errors[0].message).toContain(String(status));
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('storage', () => {
  it('works in memory when IndexedDB is missing, reporting it once', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    tracker.track(visitor());
    tracker.track(rep('r1'));
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_answered', 'inbound_call_requested']);
    expect(codes()).toEqual(['storage_unavailable']);
  });

  it('works in memory when IndexedDB.open fails', async () => {
    const factory = new IDBFactory();
    factory.open = () => { throw new DOMException('The user denied permission to access the database.', 'UnknownError'); };
    vi.stubGlobal('indexedDB', factory);
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
    expect(codes()).toEqual(['storage_unavailable']);
  });

  it('goes on in memory, losing nothing, when a transaction fails mid-session', async () => {
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    const add = IDBObjectStore.prototype.add;
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (this: IDBObjectStore) {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    tracker.track(requested('c1'));
    tracker.track(requested('c2'));
    await tracker.flush();
    tracker.track(requested('c2'));
    tracker.track(requested('c3'));
    await tracker.flush();
    vi.mocked(IDBObjectStore.prototype.add).mockRestore();
    expect(IDBObjectStore.prototype.add).toBe(add);
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_call_requested', 'inbound_call_requested', 'inbound_call_requested']);
    expect(endpoint.events().map((e) => e.callId)).toEqual([undefined, 'c1', 'c2', 'c3']);
    expect(codes()).toEqual(['storage_failed']);
  });

  it('keeps the visitor, the session, the dedupe state and the undelivered events when IndexedDB fails', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0); // the first send fails: its events stay in the IndexedDB outbox
    const { tracker, codes } = startTracker();
    tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm1' });
    tracker.track(requested('c1'));
    await tracker.flush();
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    tracker.track({ type: 'chat.message', from: 'visitor', messageId: 'm1' }); // the history re-rendered
    tracker.track(answered('c1', 'r1'));
    await tracker.endSession();
    window.dispatchEvent(new Event('online')); // no waiting out the backoff
    await endpoint.requested(2);
    await tracker.flush();
    const events = endpoint.events();
    expect(names(events)).toEqual(['inbound_chat_requested', 'inbound_call_requested', 'inbound_call_answered', 'inbound_chat_missed']);
    expect(new Set(events.map((e) => e.visitorId)).size).toBe(1);
    expect(new Set(events.map((e) => e.sessionId)).size).toBe(1);
    expect(codes()).toEqual(['delivery_failed', 'storage_failed']);
  });
});

describe('IndexedDB failing twice', () => {
  it('remembers what the first connection saw after a reopen, when the second one fails too', async () => {
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(requested('c1'));
    await tracker.flush();
    const add = vi.spyOn(IDBObjectStore.prototype, 'add');
    add.mockImplementationOnce(() => {
      throw new DOMException('The connection was lost.', 'UnknownError'); // once: the reopen works
    });
    tracker.track(visitor());
    await tracker.flush();
    add.mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    tracker.track(answered('c1', 'r1'));
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_call_requested', 'inbound_chat_requested', 'inbound_call_answered']);
    expect(codes()).toEqual(['storage_failed']);
  });
});

describe('cheap by design', () => {
  it('does no I/O inside track()', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    await tracker.flush();
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    for (let i = 0; i < 100; i++) tracker.track(requested(`c${i}`));
    expect(transaction).not.toHaveBeenCalled();
    expect(endpoint.requests).toHaveLength(0);
    await tracker.flush();
    expect(endpoint.events()).toHaveLength(100);
  });

  it('stores and delivers 1,000 events in at most 20 IndexedDB readwrite transactions', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 20 });
    await tracker.flush();
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    for (let i = 0; i < 1000; i++) tracker.track(requested(`c${i}`));
    await tracker.flush();
    expect(endpoint.events()).toHaveLength(1000);
    expect(endpoint.requests.length).toBeLessThanOrEqual(51);
    expect(transaction.mock.calls.filter(([, mode]) => mode === 'readwrite').length).toBeLessThanOrEqual(20);
  });

  it('applies the events of one task in one IndexedDB transaction, up to 100 per transaction', async () => {
    stubEndpoint();
    const { tracker } = startTracker();
    await tracker.flush();
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    const stateWrites = () => transaction.mock.calls.filter(([stores, mode]) => mode === 'readwrite' && [stores].flat().includes('calls'));
    for (let i = 0; i < 100; i++) tracker.track(i % 2 ? requested(`c${i}`) : visitor());
    await tracker.flush();
    expect(stateWrites()).toHaveLength(1);
    // A burst is split, so that no transaction's requests block the page for long.
    for (let i = 0; i < 500; i++) tracker.track(i % 2 ? requested(`d${i}`) : visitor());
    await tracker.flush();
    expect(stateWrites()).toHaveLength(6);
  });
});

it('posts to the configured endpoint', async () => {
  const fetch = vi.fn(async () => new Response(null, { status: 204 }));
  vi.stubGlobal('fetch', fetch);
  const { tracker } = startTracker({ endpoint: ENDPOINT + '?k=1' });
  tracker.track(visitor());
  await tracker.flush();
  expect(fetch).toHaveBeenCalledWith(ENDPOINT + '?k=1', expect.anything());
});

describe('one sender at a time', () => {
  it('lets a tab without Web Locks skip sending while another tab holds the lease', async () => {
    // Two module instances are two tabs: no shared in-page lock, only the IndexedDB lease.
    const loadTab = async () => {
      vi.resetModules();
      return (await import('../src/index')).createTracker;
    };
    const tabA = await loadTab();
    const tabB = await loadTab();
    const bodies: string[] = [];
    let answerA!: () => void;
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      bodies.push(String(init.body));
      // The first request hangs: tab A is mid-send holding the lease.
      return bodies.length === 1 ? new Promise<Response>((r) => (answerA = () => r(new Response(null, { status: 200 })))) : Promise.resolve(new Response(null, { status: 200 }));
    });
    const a = tabA({ orgId: 'org_1', endpoint: ENDPOINT, flushIntervalMs: 3_600_000 });
    const b = tabB({ orgId: 'org_1', endpoint: ENDPOINT, flushIntervalMs: 3_600_000 });
    await Promise.all([a.flush(), b.flush()]);
    a.track(requested('c1'));
    const sendingA = a.flush();
    await vi.waitFor(() => expect(bodies).toHaveLength(1));
    await b.flush(); // the lease is A's: B does not send the same events
    expect(bodies).toHaveLength(1);
    answerA();
    await sendingA;
    await b.flush();
    expect(bodies).toHaveLength(1);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});

describe('Web Locks refused', () => {
  it('sends anyway when navigator.locks rejects every request (an opaque origin: a sandboxed iframe)', async () => {
    const request = vi.fn(() => Promise.reject(new DOMException('opaque origin', 'SecurityError')));
    vi.spyOn(navigator, 'locks', 'get').mockReturnValue({ request } as unknown as LockManager);
    vi.resetModules(); // lock.ts remembers a refusal for the page's lifetime
    const { createTracker } = await import('../src/index');
    const endpoint = stubEndpoint();
    const errors: string[] = [];
    const tracker = createTracker({ orgId: 'org_1', endpoint: ENDPOINT, onError: (e) => errors.push(e.code) });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(request).toHaveBeenCalled();
    expect(names(endpoint.events())).toEqual(['inbound_call_requested']);
    expect(errors).toEqual([]);
    await tracker.shutdown();
  });

  it('uses Web Locks where granted, sending once per flush', async () => {
    const request = vi.fn((_name: string, _options: LockOptions, fn: (lock: Lock | null) => Promise<unknown>) => fn({ name: 'l', mode: 'exclusive' } as Lock));
    vi.spyOn(navigator, 'locks', 'get').mockReturnValue({ request } as unknown as LockManager);
    vi.resetModules();
    const { createTracker } = await import('../src/index');
    const endpoint = stubEndpoint();
    const tracker = createTracker({ orgId: 'org_1', endpoint: ENDPOINT, flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(request).toHaveBeenCalledWith('engage-tracker:send:org_1', { ifAvailable: false }, expect.any(Function));
    expect(endpoint.requests).toHaveLength(1);
    await tracker.shutdown();
  });
});

describe('answers that are neither 2xx nor 4xx', () => {
  for (const status of [300, 304, 302]) {
    it(`a ${status} final answer is not a 2xx and not a 4xx: the batch stays in the outbox (SPEC 6)`, async () => {
      const endpoint = stubEndpoint();
      endpoint.answer(status);
      const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
      tracker.track(requested('c1'));
      await tracker.flush();
      // Let any backoff run out (jitter ≤ 1 s for attempt 0), then try again.
      window.dispatchEvent(new Event('online'));
      await tracker.flush();
      expect(codes()).not.toContain('delivery_rejected');
      expect(endpoint.events().map((e) => e.callId)).toEqual(['c1']);
    });
  }

  it('a redirect is a failed delivery, reported as one, not followed to a place that answers 2xx', async () => {
    // What a browser's fetch does: follows unless told not to; with 'manual', hides the redirect.
    const bodies: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      if (init.redirect !== 'manual') return new Response(null, { status: 200 }); // the GET to the new place
      bodies.push(String(init.body));
      if (bodies.length > 1) return new Response(null, { status: 200 });
      return { type: 'opaqueredirect', status: 0, headers: new Headers() } as Response;
    });
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    window.dispatchEvent(new Event('online'));
    await tracker.flush();
    const sent = bodies.map((b) => JSON.parse(b).events.map((e: { callId: string }) => e.callId));
    expect({ sent, errors: errors.map((e) => `${e.code}: ${e.message.split(':')[0]}`) }).toEqual({
      sent: [['c1'], ['c1']],
      errors: ['delivery_failed: sending 1 events failed (redirect)'],
    });
  });
});

describe('shutdown()', () => {
  it('a second shutdown() while the first is flushing resolves only once the events were sent', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    const first = tracker.shutdown();
    await tracker.shutdown();
    const sentAtSecond = endpoint.events().length;
    await first;
    expect(sentAtSecond).toBe(1);
  });
});

/** A fetch whose keepalive requests wait until released; normal requests answer from `plan`. */
function heldEndpoint(plan: { status: number; retryAfter?: string }[]) {
  const log: string[] = [];
  const held: ((status: number) => void)[] = [];
  vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
    const ids = JSON.parse(String(init.body)).events.map((e: { callId: string }) => e.callId).join(',');
    if (init.keepalive) {
      return new Promise<Response>((resolve) => held.push((status) => {
        log.push(`keepalive ${ids} ${status}`);
        resolve(new Response(null, { status }));
      }));
    }
    const { status, retryAfter } = plan.shift() ?? { status: 200 };
    log.push(`normal ${ids} ${status}`);
    return Promise.resolve(new Response(null, { status, headers: retryAfter ? { 'retry-after': retryAfter } : {} }));
  });
  return { log, release: (status: number) => held.shift()?.(status) };
}


describe('Retry-After', () => {
  it('keeps a Retry-After pause across page loads and tabs: no page of the origin sends before it ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: T0 });
    const sent: number[] = [];
    vi.stubGlobal('fetch', async () => {
      sent.push(Date.now());
      return new Response(null, sent.length === 1 ? { status: 429, headers: { 'retry-after': '60' } } : { status: 200 });
    });
    const first = startTracker();
    first.tracker.track(visitor());
    await first.tracker.flush(); // 429, Retry-After: 60
    await first.tracker.shutdown();
    // The visitor opens three more pages at once.
    const pages = [startTracker(), startTracker(), startTracker()];
    for (const page of pages) {
      page.tracker.track(requested(`c${pages.indexOf(page)}`));
      await page.tracker.flush();
    }
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sent).toEqual([T0]);
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(pages.map((page) => page.tracker.flush()));
    expect(sent.length).toBeGreaterThan(1);
    expect(Math.min(...sent.slice(1))).toBeGreaterThanOrEqual(T0 + 60_000);
  });

  it('honours Retry-After on 429', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const endpoint = stubEndpoint();
    endpoint.answer(429); // the stub sends retry-after: 2
    const { tracker } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    await vi.advanceTimersByTimeAsync(1_900);
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(2);
  });

  it('hiding the page (a tab switch) during a 429 Retry-After backoff does not send the batch again before the server said', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(429); // with Retry-After: 2
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    expect(codes()).toEqual(['delivery_failed']);
    const t = Date.now();
    window.dispatchEvent(new Event('pagehide'));
    const early = endpoint.requests.filter((r) => r.init.keepalive).length;
    expect({ requestsWithin2s: Date.now() - t < 2_000 ? endpoint.requests.length : 'n/a', keepalive: early }).toEqual({ requestsWithin2s: 1, keepalive: 0 });
  });

  it('an `online` event during a Retry-After the endpoint gave does not send before the endpoint said (SPEC 6: "honouring Retry-After")', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(429); // with Retry-After: 2 (helpers.ts)
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track({ type: 'call.requested', callId: 'c1' });
    await tracker.flush();
    const refusedAt = Date.now();
    // The network flickers (Wi-Fi switch, VPN): the browser fires `online`.
    window.dispatchEvent(new Event('online'));
    await tracker.flush();
    const early = endpoint.requests.length > 1 ? Date.now() - refusedAt : undefined;
    expect({ requests: endpoint.requests.length, msAfter429: early }).toEqual({ requests: 1, msAfter429: undefined });
  });

  it('a 429 with Retry-After answering the keepalive request sent as the page hid holds back the normal path once the page shows again', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.endSession(); // stored, not sent (long interval)
    endpoint.answer(429); // with Retry-After: 2 (helpers)
    window.dispatchEvent(new Event('pagehide')); // keepalive request: 429, Retry-After 2 s
    await endpoint.requested(1);
    await new Promise((r) => setTimeout(r, 20)); // its answer is handled
    const t = Date.now();
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })); // back from the back/forward cache
    await tracker.flush();
    const within = Date.now() - t < 2_000;
    expect({ within, requests: endpoint.requests.map((r) => (r.init.keepalive ? 'keepalive ' : 'normal ') + r.status) }).toEqual({ within: true, requests: ['keepalive 429'] });
  });

  it('hiding the page for good during a Retry-After, with the outbox in memory, still gets the events out (nothing else keeps them for the next page)', async () => {
    vi.stubGlobal('indexedDB', undefined); // private mode
    const endpoint = stubEndpoint();
    endpoint.answer(429); // Retry-After: 2
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    first.tracker.track(requested('c1'));
    await first.tracker.flush(); // 429: the endpoint asks for 2 s
    window.dispatchEvent(new Event('pagehide')); // the tab is closed
    await new Promise((r) => setTimeout(r, 20));
    const next = startTracker({ flushIntervalMs: 3_600_000 }); // next page load, seconds later
    await next.tracker.flush();
    expect(endpoint.events().filter((e) => e.callId === 'c1').map((e) => e.metric)).toEqual(['inbound_call_requested']);
  });

  it('a 503 answering a keepalive request (no Retry-After) does not cut short the 60 s pause a 429 with Retry-After asked for meanwhile', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // our own backoff: its floor, 250 ms
    const ep = heldEndpoint([{ status: 429, retryAfter: '60' }]);
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    let log: string[] = [];
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.endSession(); // c1 stored, not sent (long interval)
    tracker.track(requested('c2')); // still queued as the tab is hidden
    try {
      setVisibility('hidden'); // keepalive with c1 (held); c2 goes the normal way: 429, Retry-After 60 s
      await new Promise((r) => setTimeout(r, 50));
      ep.release(503); // the keepalive request's answer arrives only now
      await new Promise((r) => setTimeout(r, 600)); // well within the 60 s the endpoint asked for
    } finally {
      log = [...ep.log];
      setVisibility('visible');
    }
    expect(log).toEqual(['normal c2 429', expect.stringMatching(/^keepalive c1(,c1)* 503$/)]);
  });
});

describe('the outbox cap (maxQueuedEvents)', () => {
  it('drops the oldest events past maxQueuedEvents and reports how many', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0);
    const first = startTracker({ maxQueuedEvents: 3 });
    await first.tracker.flush();
    calls(5).forEach(first.tracker.track);
    await first.tracker.flush(); // the network error starts a backoff
    expect(first.codes()).toEqual(['queue_overflow', 'delivery_failed']);
    expect(first.errors[0].message).toMatch(/\b2 oldest\b/);
    await first.tracker.shutdown();
    const second = startTracker();
    await second.tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c2', 'c3', 'c4']);
  });
  it('events dropped by the outbox cap (queue_overflow) are not kept in memory and sent anyway as the page hides', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(...Array(10).fill(0)); // offline
    const beacons: string[] = [];
    Object.defineProperty(navigator, 'sendBeacon', { configurable: true, value: (_u: string, body: string) => (beacons.push(body), true) });
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 5 });
    for (let i = 0; i < 50; i++) tracker.track(offered(`c${i}`));
    await tracker.flush();
    const overflow = errors.filter((e) => e.code === 'queue_overflow').map((e) => e.message);
    window.dispatchEvent(new Event('pagehide'));
    // @ts-expect-error the property was added above
    delete navigator.sendBeacon;
    const keepalive = endpoint.requests.filter((r) => r.init.keepalive).map((r) => String(r.init.body));
    const sentOnHide = [...keepalive, ...beacons].flatMap((b) => JSON.parse(b).events.map((e: { callId: string }) => e.callId));
    expect({ overflow, sentOnHide: sentOnHide.length }).toEqual({ overflow: [expect.stringContaining('dropped the 45 oldest')], sentOnHide: 5 });
  });

  it('events the outbox cap dropped because another tab (here: another tracker of the org) stored more are not sent as the page hides', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(...Array(20).fill(0)); // offline
    const a = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 5 });
    const b = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 5 });
    await a.tracker.flush();
    await b.tracker.flush();
    for (let i = 0; i < 5; i++) a.tracker.track(offered(`a${i}`));
    await a.tracker.flush();
    for (let i = 0; i < 5; i++) b.tracker.track(offered(`b${i}`));
    await b.tracker.flush(); // the outbox holds 10 > 5: the 5 oldest (a0…a4) are dropped
    const overflow = [...a.errors, ...b.errors].filter((e) => e.code === 'queue_overflow').map((e) => e.message);
    const before = endpoint.requests.length;
    window.dispatchEvent(new Event('pagehide'));
    const sentOnHide = endpoint.requests.slice(before).filter((r) => r.init.keepalive)
      .flatMap((r) => JSON.parse(String(r.init.body)).events.map((e: { callId: string }) => e.callId));
    expect({ overflow, sentOnHide: sentOnHide.sort() }).toEqual({ overflow: [expect.stringContaining('dropped the 5 oldest')], sentOnHide: ['b0', 'b1', 'b2', 'b3', 'b4'] });
  });
});

describe('IndexedDB lost mid-session', () => {
  it('after another tab upgrades the database, flush() still delivers the events this page stored (README: storage_failed goes on in memory, losing nothing queued)', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0); // the first attempt meets a network error: the events stay in the outbox
    const { tracker, codes, errors } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    // Another tab (a newer SDK) opens the same database at a higher version: ours steps aside.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('engage-tracker:org_1', 2);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    window.dispatchEvent(new Event('online')); // the network is back
    await tracker.flush();
    // Before the fix: 'reading the outbox failed' (storage_failed) on every attempt, nothing sent
    // until a later widget event made the tracker switch to memory.
    expect({ sent: names(endpoint.events()), codes: codes(), messages: errors.map((e) => e.message).slice(1) }).toEqual({
      sent: ['inbound_call_requested'],
      codes: ['delivery_failed', 'storage_failed'],
      messages: [expect.stringContaining('IndexedDB failed')],
    });
  });

  it('an outbox read that fails for another reason: reported once, and the next send goes from memory', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0);
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(requested('c1'));
    await tracker.flush();
    const broken = vi.spyOn(IDBObjectStore.prototype, 'getAllKeys').mockImplementation(() => {
      throw new DOMException('disk gone', 'UnknownError');
    });
    window.dispatchEvent(new Event('online'));
    await tracker.flush(); // the read fails: the tracker goes on in memory
    await tracker.flush();
    broken.mockRestore();
    expect({ sent: names(endpoint.events()), codes: codes() }).toEqual({ sent: ['inbound_call_requested'], codes: ['delivery_failed', 'storage_failed'] });
  });

  it('an event whose transaction was under way when another tab upgraded the database is still sent by flush()', async () => {
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush(); // the database is open, the start activity stored
    tracker.track(requested('c1')); // drained in a microtask: its readwrite transaction starts
    // Same task: another tab (a newer SDK) opens the database at a higher version. Our
    // connection gets versionchange while the transaction runs; closing lets it finish.
    const upgraded = new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('engage-tracker:org_1', 2);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    await upgraded;
    await tracker.flush();
    await tracker.flush();
    expect({ sent: names(endpoint.events()), codes: codes() }).toEqual({ sent: ['inbound_call_requested'], codes: ['storage_failed'] });
  });

  it('an event the outbox cap dropped (queue_overflow reported) as the database was lost is not sent afterwards from the memory outbox', async () => {
    const ep = heldEndpoint([]);
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000, maxQueuedEvents: 1 });
    await tracker.flush(); // the database is open
    tracker.track(requested('c0'));
    await new Promise((r) => setTimeout(r, 50)); // c0 stored, not sent (long interval)
    tracker.track(requested('c1')); // its transaction starts in a microtask; it pushes c0 out
    // Same task: another tab (a newer SDK) upgrades the database (as in the test above).
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open('engage-tracker:org_1', 2);
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    await tracker.flush();
    await tracker.flush();
    const overflow = errors.filter((e) => e.code === 'queue_overflow').map((e) => e.message);
    expect({ overflow, sent: ep.log }).toEqual({ overflow: [expect.stringContaining('dropped the 1 oldest')], sent: ['normal c1 200'] });
  });
});

describe('flushIntervalMs: 0', () => {
  it('does not poll the outbox while the only events left were sent as the page hid (their 30 s grace)', async () => {
    // The keepalive request never answers: its events stay unconfirmed for the grace period.
    vi.stubGlobal('fetch', (_u: string, init: RequestInit) => (init.keepalive ? new Promise<Response>(() => {}) : Promise.resolve(new Response(null, { status: 500 }))));
    const { tracker } = startTracker({ flushIntervalMs: 0 });
    await tracker.flush();
    tracker.track(requested('c1'));
    await tracker.endSession();
    window.dispatchEvent(new Event('pagehide')); // sent with keepalive, unconfirmed
    const reads = vi.spyOn(IDBObjectStore.prototype, 'getAllKeys');
    await new Promise((r) => setTimeout(r, 300)); // time is what this test is about
    const count = reads.mock.calls.length;
    reads.mockRestore();
    await tracker.shutdown();
    // Once a second at most; a loop of 0 ms timers read it dozens of times.
    expect(count).toBeLessThanOrEqual(2);
  });
});

describe('back from the back/forward cache', () => {
  it('an event still being stored as the page left for the back/forward cache goes out as the page shows again, not after the flush interval', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush();
    tracker.track(requested('c1')); // not stored yet as the page hides: stashed, nothing to send
    window.dispatchEvent(new Event('pagehide'));
    await tracker.flush(); // stored now; a page that has left sends nothing more
    expect(endpoint.events()).toEqual([]);
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })); // back from the back/forward cache
    await vi.waitFor(() => expect(endpoint.events().map((e) => e.callId)).toEqual(['c1']), { timeout: 2_000 });
  });

  it('an event whose IndexedDB transaction the browser ended unannounced as the page froze is stored and sent once the page shows again', async () => {
    // Firefox ends a transaction under way as the page enters the back/forward cache without
    // firing any event: its requests and the transaction never settle. Here: the first
    // transaction that stores events is aborted as its first request succeeds, every listener
    // of it and of its requests silenced.
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    await tracker.flush();
    let frozen: IDBTransaction | undefined;
    const transaction = IDBDatabase.prototype.transaction;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args);
      if (!frozen && tx.mode === 'readwrite' && tx.objectStoreNames.length > 1) {
        frozen = tx;
        tx.addEventListener = () => {};
      }
      return tx;
    });
    let ended = false;
    const addListener = IDBRequest.prototype.addEventListener;
    vi.spyOn(IDBRequest.prototype, 'addEventListener').mockImplementation(function (this: IDBRequest, ...args: Parameters<IDBRequest['addEventListener']>) {
      if (this.transaction !== frozen) return addListener.apply(this, args);
      // While the transaction is still active (a request's success), whatever the timing.
      if (!ended) addListener.call(this, 'success', () => void (ended ||= (frozen?.abort(), true)));
    });
    tracker.track(requested('c1'));
    window.dispatchEvent(new Event('pagehide'));
    await vi.waitFor(() => expect(ended).toBe(true)); // announced to nobody
    window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true })); // back from the back/forward cache
    await tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c1']);
  });
});
