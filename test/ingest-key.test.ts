// The org's public ingest key on the wire, and the answers of a collector that guards it
// (issue 18 item 2): a refused key or origin (401/403) is a standing condition, reported once,
// with the events kept for a later page; a 413 for several events splits the batch.
import { describe, expect, it, vi } from 'vitest';
import { TrackerConfigError } from '../src/index';
import { ENDPOINT, requested, startTracker, stubEndpoint, visitor } from './helpers';

const calls = (count: number, prefix = 'c') => Array.from({ length: count }, (_, i) => requested(`${prefix}${i}`));
const sentBody = (init: RequestInit) => JSON.parse(String(init.body)) as { key?: string; events: { callId?: string }[] };
const hide = () => window.dispatchEvent(new Event('pagehide'));

describe('the key option', () => {
  it('travels as the key field of every batch body, never in the URL or a header', async () => {
    const endpoint = stubEndpoint();
    const urls: string[] = [];
    const recorded = globalThis.fetch;
    globalThis.fetch = ((url: string, init: RequestInit) => (urls.push(url), recorded(url, init))) as typeof fetch;
    const { tracker } = startTracker({ key: 'ek_public_1', batchSize: 2 });
    calls(3).forEach(tracker.track);
    await tracker.flush();
    expect(endpoint.requests.map((r) => sentBody(r.init).key)).toEqual(['ek_public_1', 'ek_public_1']);
    expect(urls).toEqual([ENDPOINT, ENDPOINT]);
    expect(endpoint.requests.map((r) => JSON.stringify(r.init.headers))).not.toContain('ek_public_1');
  });

  it('travels in the keepalive request sent as the page hides, which carries no header', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ key: 'ek_public_1', flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.endSession(); // stored, not sent
    hide();
    expect(endpoint.requests.map((r) => [r.init.keepalive, r.init.headers, sentBody(r.init).key])).toEqual([[true, undefined, 'ek_public_1']]);
  });

  it('is left out of the body when not configured (a demo collector needs none)', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    await tracker.flush();
    expect(Object.keys(sentBody(endpoint.requests[0].init))).toEqual(['sdk', 'sentAt', 'events']);
  });

  it.each([[''], ['  '], [42], ['k'.repeat(257)]])('is refused at createTracker when it is %j', (key) => {
    expect(() => startTracker({ key: key as string })).toThrow(TrackerConfigError);
    try {
      startTracker({ key: key as string });
    } catch (err) {
      expect((err as TrackerConfigError).option).toBe('key');
    }
  });
});

describe('a refused key, origin or org (401, 403)', () => {
  it.each([401, 403])('is reported once as delivery_unauthorized after %i, and this page sends nothing more', async (status) => {
    const endpoint = stubEndpoint();
    endpoint.answer(status, status, status);
    const { tracker, errors } = startTracker({ key: 'ek_old', batchSize: 1 });
    calls(3).forEach(tracker.track);
    await tracker.flush();
    tracker.track(requested('later'));
    await tracker.flush();
    hide(); // not even as the page hides
    expect(endpoint.requests).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['delivery_unauthorized']);
    expect(errors[0].message).toContain(String(status));
  });

  it('sends nothing more as the page hides in memory mode either (no IndexedDB)', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const endpoint = stubEndpoint();
    endpoint.answer(401);
    const { tracker, errors } = startTracker({ key: 'ek_wrong', flushIntervalMs: 3_600_000 });
    tracker.track(visitor());
    await tracker.flush();
    tracker.track(requested('later'));
    await tracker.endSession();
    hide();
    expect(endpoint.requests).toHaveLength(1);
    expect(errors.map((e) => e.code)).toEqual(['storage_unavailable', 'delivery_unauthorized']);
  });

  it('keeps the events, so a later page with a corrected key delivers them', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(401);
    const first = startTracker({ key: 'ek_expired' });
    calls(3).forEach(first.tracker.track);
    await first.tracker.flush();
    await first.tracker.shutdown();
    expect(endpoint.events()).toEqual([]);
    const second = startTracker({ key: 'ek_new' });
    await second.tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c0', 'c1', 'c2']);
    expect(second.errors).toEqual([]);
    expect(sentBody(endpoint.requests[1].init).key).toBe('ek_new');
  });

  it('comes back online without sending again', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(401);
    const { tracker } = startTracker({ key: 'ek_wrong' });
    tracker.track(visitor());
    await tracker.flush();
    window.dispatchEvent(new Event('online'));
    await tracker.flush();
    expect(endpoint.requests).toHaveLength(1);
  });
});

describe('a batch too large for the endpoint (413)', () => {
  it('is split in halves and resent until the endpoint takes it, delivered whole without a report', async () => {
    // An endpoint that takes at most 2 events per request.
    const answered: [number, number][] = [];
    const received: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      const { events } = sentBody(init);
      const status = events.length > 2 ? 413 : 200;
      answered.push([status, events.length]);
      if (status === 200) received.push(...events.map((e) => e.callId as string));
      return new Response(null, { status });
    });
    const { tracker, errors } = startTracker({ batchSize: 8, flushIntervalMs: 3_600_000 });
    calls(8).forEach(tracker.track);
    await tracker.flush();
    expect(answered.slice(0, 3)).toEqual([
      [413, 8],
      [413, 4],
      [200, 2],
    ]);
    expect(received).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    expect(errors).toEqual([]);
  });

  it('drops a single event answered 413 and reports it, then sends the next ones', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(413);
    const { tracker, errors } = startTracker({ batchSize: 1 });
    calls(2).forEach(tracker.track);
    await tracker.flush();
    await tracker.flush();
    expect(errors.map((e) => e.code)).toEqual(['delivery_rejected']);
    expect(errors[0].message).toContain('413');
    expect(endpoint.events().map((e) => e.callId)).toEqual(['c1']);
  });
});

describe('the script tag', () => {
  it("sends the key given to engage('init')", async () => {
    const endpoint = stubEndpoint();
    const host = window as unknown as { engage?: (...args: unknown[]) => unknown; EngageTracker?: unknown };
    delete host.engage;
    delete host.EngageTracker;
    vi.resetModules();
    await import('../src/script-tag');
    const engage = host.engage as unknown as (...args: unknown[]) => Promise<void>;
    try {
      engage('init', { orgId: 'org_1', endpoint: ENDPOINT, key: 'ek_public_1' });
      engage('track', visitor());
      await engage('flush');
      expect(endpoint.requests.map((r) => sentBody(r.init).key)).toEqual(['ek_public_1']);
    } finally {
      await engage('shutdown');
      delete host.engage;
      delete host.EngageTracker;
    }
  });
});
