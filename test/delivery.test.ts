// Batched delivery (SPEC sections 5 and 6): the wire format, when batches go, what stays in
// the outbox until a 2xx, and what failures are reported.
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT, names, requested, startTracker, stubEndpoint, T0, visitor, rep, offered, answered } from './helpers';

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
