// Every test file gets a fresh, empty IndexedDB (fake-indexeddb) and a fetch that fails loudly
// unless a test installs its own endpoint.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, vi } from 'vitest';

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory();
  globalThis.localStorage?.clear();
});

afterEach(() => {
  // Each test is a new page: keepalive requests a test left unanswered hold no allowance.
  delete (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('engage-tracker:keepalive')];
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});
