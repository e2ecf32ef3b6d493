// The outbox's own contract, for both backends: what remove() and peek() leave behind.
import { describe, expect, it } from 'vitest';
import type { Work } from '../src/apply';
import { memoryStore, openIndexedDb, type Store } from '../src/store';
import { startTracker, stubEndpoint, visitor as visitorMessage } from './helpers';

const rules = { orgId: 'org_1', sessionTimeoutMs: 60_000, newId: () => crypto.randomUUID(), pageOf: () => '/' };
const requested = (i: number): Work => ({ kind: 'event', at: Date.now(), href: 'http://localhost/', event: { type: 'call.requested', at: Date.now(), callId: `c${i}` } });

describe.each([
  ['IndexedDB', () => openIndexedDb('store-test', new Map(), () => {})],
  ['memory', async () => memoryStore()],
])('%s outbox', (_, open: () => Promise<Store>) => {
  it('removes exactly the given keys, consecutive or not', async () => {
    const store = await open();
    const { added } = await store.apply(Array.from({ length: 10 }, (_, i) => requested(i)), rules, 100);
    const keys = added.map(([key]) => key);
    await store.remove([keys[0], keys[1], keys[2], keys[4], keys[7], keys[8], keys[9]]);
    const left = await store.peek(100, new Set());
    expect(left.map(([key]) => key)).toEqual([keys[3], keys[5], keys[6]]);
    store.close();
  });

  it('peeks the oldest entries, leaving out skipped keys', async () => {
    const store = await open();
    const { added } = await store.apply(Array.from({ length: 5 }, (_, i) => requested(i)), rules, 100);
    const keys = added.map(([key]) => key);
    const peeked = await store.peek(2, new Set([keys[0]]));
    expect(peeked).toEqual([added[1], added[2]]);
    store.close();
  });
});

/** Creates the org's database as a future SDK version might have: version 7, one more store. */
function databaseOfAFutureVersion(stores = ['kv', 'calls', 'msgs', 'applied', 'outbox', 'replays']): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('engage-tracker:org_1', 7);
    open.onupgradeneeded = () => {
      for (const s of stores) open.result.createObjectStore(s, s === 'outbox' ? { autoIncrement: true } : undefined);
      open.transaction?.objectStore('kv').put('visitor-from-the-future', 'visitor');
    };
    open.onsuccess = () => (open.result.close(), resolve());
    open.onerror = () => reject(open.error);
  });
}

describe('a database a newer SDK version upgraded', () => {
  it('is used as it is when it holds the stores this version needs: same visitor, nothing reported', async () => {
    await databaseOfAFutureVersion();
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitorMessage());
    await tracker.flush();
    expect(codes()).toEqual([]);
    expect(endpoint.events()).toMatchObject([{ metric: 'inbound_chat_requested', visitorId: 'visitor-from-the-future' }]);
  });

  it('without a store this version needs, runs in memory, reported once', async () => {
    await databaseOfAFutureVersion(['kv', 'calls', 'applied', 'outbox']);
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(visitorMessage());
    tracker.track(visitorMessage());
    await tracker.flush();
    expect(codes()).toEqual(['storage_unavailable']);
    expect(endpoint.events().map((e) => e.metric)).toEqual(['inbound_chat_requested']);
  });
});
