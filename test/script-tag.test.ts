// The script-tag bundle (SPEC section 8, issue 5): the snippet's queue replayed in order with
// init first, the live engage() function, the CustomEvent and postMessage hooks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINT, MINUTE, names, rep, startTracker, stubEndpoint, T0, visitor } from './helpers';
import type { TrackerError } from '../src/index';

type Engage = ((...args: unknown[]) => unknown) & { q?: unknown[]; l?: EventListener };
const host = window as unknown as { engage?: Engage; EngageTracker?: { createTracker: unknown } };

/** What the loader snippet does before the bundle arrives. */
function installStub() {
  const queue: unknown[] = [];
  const engage: Engage = (...args) => void queue.push([args, Date.now()]);
  engage.q = queue;
  host.engage = engage;
  return engage;
}

async function loadBundle() {
  vi.resetModules();
  await import('../src/script-tag');
  return host.engage as Engage;
}

const errors: TrackerError[] = [];
const init = (extra: object = {}) => ['init', { orgId: 'org_1', endpoint: ENDPOINT, onError: (e: TrackerError) => errors.push(e), ...extra }] as const;

afterEach(async () => {
  // Shut down while the test's endpoint is still in place: the last flush goes there.
  await (host.engage as Engage | undefined)?.('shutdown');
});

beforeEach(async () => {
  // The globals of a previous test are gone.
  delete host.engage;
  delete host.EngageTracker;
  errors.length = 0;
});

describe('the engage() queue', () => {
  it('replays calls queued before the bundle arrived, init first wherever it was queued', async () => {
    const endpoint = stubEndpoint();
    const stub = installStub();
    stub('track', { type: 'chat.message', from: 'visitor' });
    stub(...init());
    stub('track', { type: 'chat.message', from: 'rep', repId: 'r1' });
    const engage = await loadBundle();
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
  });

  it('keeps the newest 10,000 calls made before init: a page whose init never comes does not grow without bound', async () => {
    const endpoint = stubEndpoint();
    const engage = await loadBundle(); // no stub: the bundle came first, init comes late
    for (let i = 0; i < 10_005; i++) engage('track', { type: 'call.requested', callId: `c${i}` });
    engage(...init({ batchSize: 500, maxQueuedEvents: 20_000 }));
    await engage('flush');
    const ids = endpoint.events().map((e) => e.callId);
    expect(ids).toHaveLength(10_000);
    expect(ids[0]).toBe('c5');
  });

  it('stamps queued track calls with the time they were made', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-11-24T15:00:00Z') });
    const endpoint = stubEndpoint();
    const stub = installStub();
    stub(...init());
    stub('track', { type: 'chat.message', from: 'visitor' });
    vi.setSystemTime(Date.parse('2026-11-24T15:00:07Z')); // the bundle arrives seven seconds later
    const engage = await loadBundle();
    await engage('flush');
    expect(endpoint.events()[0].occurredAt).toBe('2026-11-24T15:00:00.000Z');
  });

  it('replaces the stub with the live function and exposes EngageTracker', async () => {
    const endpoint = stubEndpoint();
    const stub = installStub();
    stub(...init());
    const engage = await loadBundle();
    expect(engage).not.toBe(stub);
    expect(typeof host.EngageTracker?.createTracker).toBe('function');
    engage('track', { type: 'call.requested', callId: 'c1' });
    await engage('endSession');
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_call_requested', 'inbound_call_missed']);
  });

  it('reports and ignores a second init', async () => {
    stubEndpoint();
    const stub = installStub();
    stub(...init());
    stub('init', { orgId: 'other', endpoint: ENDPOINT });
    await loadBundle();
    expect(errors.map((e) => [e.code, e.message])).toEqual([['invalid_event', expect.stringContaining('init')]]);
  });

  it('does not start a second tracker when the bundle is loaded twice', async () => {
    const endpoint = stubEndpoint();
    const stub = installStub();
    stub(...init());
    const engage = await loadBundle();
    vi.resetModules();
    await import('../src/script-tag');
    expect(host.engage).toBe(engage);
    engage('track', { type: 'chat.message', from: 'visitor' });
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'c9' } }));
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_call_requested']);
  });

  it('never throws a bad init into the page, and logs it only with debug on', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    installStub()('init', { orgId: '' });
    await expect(loadBundle()).resolves.toBeTypeOf('function');
    expect(consoleError).not.toHaveBeenCalled();
    delete host.engage;
    delete host.EngageTracker;
    installStub()('init', { orgId: '', debug: true });
    await loadBundle();
    expect(consoleError).toHaveBeenCalledWith(expect.objectContaining({ name: 'TrackerConfigError' }));
  });

  it('replays a queue of bare argument lists, as a hand-written stub would keep it', async () => {
    const endpoint = stubEndpoint();
    const queue: unknown[] = [];
    host.engage = Object.assign(function () {
      // eslint-disable-next-line prefer-rest-params
      queue.push(arguments);
    }, { q: queue });
    host.engage('track', { type: 'chat.message', from: 'visitor' });
    host.engage(); // no command at all: reported once there is an onError, never thrown
    host.engage(...init());
    queue.push(['track', { type: 'call.requested', callId: 'c1' }], null);
    const engage = await loadBundle();
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_call_requested']);
    expect(errors.map((e) => e.code)).toEqual(['invalid_event', 'invalid_event']);
  });

  it('keeps the page of a call made before init, though the app navigated before init ran', async () => {
    const endpoint = stubEndpoint();
    const engage = await loadBundle(); // init comes late
    history.pushState(null, '', '/pricing?plan=pro');
    engage('track', { type: 'call.requested', callId: 'c1' });
    history.pushState(null, '', '/checkout');
    engage(...init());
    await engage('flush');
    history.pushState(null, '', '/');
    expect(endpoint.events().map((e) => e.page)).toEqual(['/pricing']);
  });

  it('reports an unknown command', async () => {
    stubEndpoint();
    installStub()(...init());
    const engage = await loadBundle();
    expect(() => engage('explode')).not.toThrow();
    expect(errors.map((e) => e.code)).toEqual(['invalid_event']);
  });
});

describe('widget hooks', () => {
  it('tracks engage:event CustomEvents dispatched on document', async () => {
    const endpoint = stubEndpoint();
    installStub()(...init());
    const engage = await loadBundle();
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'chat.message', from: 'visitor' } }));
    document.dispatchEvent(new CustomEvent('engage:event', { detail: 'garbage' }));
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
    expect(errors.map((e) => e.code)).toEqual(['invalid_event']);
  });

  it('tracks postMessage({ engage }) only from allowed origins', async () => {
    const endpoint = stubEndpoint();
    installStub()(...init({ allowedOrigins: ['https://widget.example.com'] }));
    const engage = await loadBundle();
    const post = (origin: string, data: unknown) => window.dispatchEvent(new MessageEvent('message', { origin, data, source: window }));
    post('https://evil.example.com', { engage: { type: 'call.requested', callId: 'evil' } });
    post('https://widget.example.com.evil.com', { engage: { type: 'call.requested', callId: 'evil2' } });
    post('https://widget.example.com', { other: 'shape' });
    post('https://widget.example.com', 'a string');
    post('https://widget.example.com', { engage: { type: 'call.requested', callId: 'ok' } });
    await engage('flush');
    expect(endpoint.events().map((e) => e.callId)).toEqual(['ok']);
    expect(errors).toEqual([]); // other origins and shapes are ignored silently
  });

  it('ignores every postMessage when no origin is allowed', async () => {
    const endpoint = stubEndpoint();
    installStub()(...init());
    const engage = await loadBundle();
    window.dispatchEvent(new MessageEvent('message', { origin: location.origin, data: { engage: { type: 'call.requested', callId: 'c1' } } }));
    await engage('flush');
    expect(endpoint.events()).toEqual([]);
  });

  it('with hooks: false, does not track widget events heard before init; an event naming another org is not tracked', async () => {
    const endpoint = stubEndpoint();
    const engage = await loadBundle(); // init comes late
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'heard' } }));
    engage('track', { type: 'call.requested', callId: 'called' });
    engage('track', { type: 'call.requested', callId: 'other-org', orgId: 'org_2' });
    engage(...init({ hooks: false }));
    await engage('flush');
    expect(endpoint.events().map((e) => e.callId)).toEqual(['called']);
  });

  it('stops listening after shutdown', async () => {
    const endpoint = stubEndpoint();
    installStub()(...init());
    const engage = await loadBundle();
    await engage('shutdown');
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'chat.message', from: 'visitor' } }));
    await engage('flush');
    expect(endpoint.events()).toEqual([]);
  });
});

describe('the bundle arriving late', () => {
  afterEach(() => {
    // The snippet's engage:event listener, installed by a test below.
    const listener = (host.engage as Engage | undefined)?.l;
    if (listener) document.removeEventListener('engage:event', listener);
  });

  it('a queued widget event made before the stored session expired counts in that session, although the bundle arrived after the expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    // An earlier page: the visitor asked in the chat at T0, nobody answered yet.
    const first = startTracker({ flushIntervalMs: 3_600_000 });
    first.tracker.track(visitor());
    await first.tracker.flush();
    await first.tracker.shutdown();
    // Next page, 29 min later: the snippet queues init and the rep's answer, rendered at once.
    vi.setSystemTime(T0 + 29 * MINUTE);
    delete host.engage;
    delete host.EngageTracker;
    const queue: unknown[] = [];
    const stub: Engage = (...args) => void queue.push([args, Date.now()]);
    stub.q = queue;
    host.engage = stub;
    stub('init', { orgId: 'org_1', endpoint: ENDPOINT, flushIntervalMs: 3_600_000 });
    stub('track', rep('r1'));
    // The bundle arrives 90 s later (slow network), after the session's 30 min were over.
    vi.setSystemTime(T0 + 30.5 * MINUTE);
    vi.resetModules();
    await import('../src/script-tag');
    await (host.engage as Engage)('flush');
    const got = endpoint.events().map((e) => `${e.metric}@${e.occurredAt.slice(11, 19)}`);
    await (host.engage as Engage)('shutdown');
    delete host.engage;
    delete host.EngageTracker;
    // The rep answered at 15:29, inside the visitor's session (last activity 15:00).
    expect(got).toEqual(['inbound_chat_requested@15:00:00', 'inbound_chat_answered@15:29:00']);
  });

  it('an engage:event dispatched after the bundle arrived but before init (consent given later) is not lost', async () => {
    const endpoint = stubEndpoint();
    // The loader snippet, as dist/snippet.min.js does it (queue + engage:event listener).
    const queue: unknown[] = [];
    const stub: Engage = (...args) => void queue.push([args, Date.now()]);
    stub.q = queue;
    stub.l = (e: Event) => void queue.push([['track', (e as CustomEvent).detail], Date.now()]);
    document.addEventListener('engage:event', stub.l);
    host.engage = stub;
    // Before the bundle: queued by the snippet.
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'before-bundle' } }));
    vi.resetModules();
    await import('../src/script-tag');
    // The bundle is there, init is not yet (the site waits for consent): a widget event.
    document.dispatchEvent(new CustomEvent('engage:event', { detail: { type: 'call.requested', callId: 'after-bundle' } }));
    // engage('track') at the same moment is kept (queued until init):
    (host.engage as Engage)('track', { type: 'call.requested', callId: 'via-engage' });
    (host.engage as Engage)('init', { orgId: 'org_1', endpoint: ENDPOINT, flushIntervalMs: 3_600_000 });
    await (host.engage as Engage)('flush');
    expect(endpoint.events().map((e) => e.callId).sort()).toEqual(['after-bundle', 'before-bundle', 'via-engage']);
  });
});
