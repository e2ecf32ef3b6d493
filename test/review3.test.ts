// Review 3: repro tests for today's changes (850acfb..HEAD), public API only.
import { describe, expect, it } from 'vitest';
import { names, offered, requested, startTracker, stubEndpoint } from './helpers';

describe('IndexedDB lost while a drain is committing', () => {
  it('review3-lost-1: an event whose transaction was under way when another tab upgraded the database is still sent by flush()', async () => {
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
});
