// Written from SPEC.md alone, through the public API: batching triggers and request shape.
import { describe, expect, it, vi } from 'vitest';
import { createTracker, type TrackerError } from '../src';
import { requested, startTracker, stubEndpoint } from './helpers';

const calls = (count: number, prefix = 'c') => Array.from({ length: count }, (_, i) => requested(`${prefix}${i}`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('spec: batching', () => {
  it('batchSize 2 + 3 events: one full batch goes at once, the partial third waits for flushIntervalMs', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 2, flushIntervalMs: 3_600_000 });
    await tracker.flush();
    calls(3).forEach((e) => tracker.track(e));
    await endpoint.requested(1);
    await sleep(50);
    // SPEC 6: "a batch goes when batchSize events wait, when flushIntervalMs passes, on flush()..."
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([2]);
  });

  it('batchSize 500: 500 waiting events go as one request on flush()', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 500, flushIntervalMs: 3_600_000 });
    calls(500).forEach((e) => tracker.track(e));
    await tracker.flush();
    expect(endpoint.events()).toHaveLength(500);
    // SPEC 6: batchSize = "events per request, 1..500"; only the hide path must be under 64 KiB
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([500]);
  });

  it('batchSize 100 with default page: one request of 100 events', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ batchSize: 100, flushIntervalMs: 3_600_000 });
    calls(100).forEach((e) => tracker.track(e));
    await tracker.flush();
    expect(endpoint.bodies.map((b) => b.events.length)).toEqual([100]);
  });

  it('posts to the endpoint exactly as configured (no trailing-slash normalization)', async () => {
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(String(url));
      return new Response(null, { status: 200 });
    });
    const errors: TrackerError[] = [];
    const tracker = createTracker({ orgId: 'org_1', endpoint: 'http://localhost:8787', onError: (e) => errors.push(e) });
    tracker.track(requested('c1'));
    await tracker.flush();
    await tracker.shutdown();
    expect(urls).toEqual(['http://localhost:8787']);
  });

  it('flushIntervalMs 0 is accepted and sends promptly', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 0 });
    tracker.track(requested('c1'));
    await endpoint.requested(1);
    expect(endpoint.events()).toHaveLength(1);
  });
});
