// The outbox's own contract, for both backends: what remove() and peek() leave behind.
import { describe, expect, it } from 'vitest';
import type { Work } from '../src/apply';
import { memoryStore, openIndexedDb, type Store } from '../src/store';

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
