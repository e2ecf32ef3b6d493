// Storage on the visitor's device stays bounded (issue 16 item 2): a visitor who comes back
// every day for months leaves a database of the same size after 5,000 sessions as after
// 10,000, and the counts stay right, the dedupe of re-rendered history included.
import { describe, expect, it, vi } from 'vitest';
import { aggregate } from '../src/metrics/index';
import { MINUTE, startTracker, stubEndpoint, T0 } from './helpers';

const SESSIONS = Number(process.env.DEVICE_SESSIONS ?? 10_000);

/** Records per object store of the tracker's database, read straight from IndexedDB. */
async function recordCounts(): Promise<Record<string, number>> {
  const db = await new Promise<IDBDatabase>((ok, fail) => {
    const req = indexedDB.open('engage-tracker:org_1');
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  const names = [...db.objectStoreNames];
  const tx = db.transaction(names);
  const counts = await Promise.all(
    names.map((name) => new Promise<number>((ok) => (tx.objectStore(name).count().onsuccess = (e) => ok((e.target as IDBRequest<number>).result)))),
  );
  db.close();
  return Object.fromEntries(names.map((name, i) => [name, counts[i]]));
}

describe('storage on the visitor\'s device', () => {
  it(`stays bounded over ${SESSIONS.toLocaleString('en')} sessions in months, one page load each, and the held counts stay right`, { timeout: 600_000 }, async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const counts: Record<number, Record<string, number>> = {};
    for (let i = 1; i <= SESSIONS; i++) {
      // A new visit every 40 minutes, past the 30 min session timeout: 10,000 take 9 months.
      vi.setSystemTime(T0 + i * 40 * MINUTE);
      const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
      // The widget renders the last visit's history again (deduped), then the visitor asks and a rep answers.
      if (i > 1) {
        tracker.track({ type: 'chat.message', from: 'visitor', messageId: `v${i - 1}` });
        tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: `r${i - 1}` });
        tracker.track({ type: 'call.requested', callId: `c${i - 1}` });
      }
      tracker.track({ type: 'chat.message', from: 'visitor', messageId: `v${i}` });
      tracker.track({ type: 'chat.message', from: 'rep', repId: 'r1', messageId: `r${i}` });
      tracker.track({ type: 'call.requested', callId: `c${i}` });
      tracker.track({ type: 'call.answered', callId: `c${i}`, repId: 'r1' });
      await tracker.endSession();
      await tracker.shutdown();
      if (i === SESSIONS / 2 || i === SESSIONS) counts[i] = await recordCounts();
    }
    const [row] = aggregate(endpoint.events(), { by: 'org' });
    expect(counts[SESSIONS]).toEqual(counts[SESSIONS / 2]);
    expect(row.counts).toMatchObject({
      inbound_chat_requested: SESSIONS,
      inbound_chat_answered: SESSIONS,
      inbound_chat_missed: 0,
      inbound_call_requested: SESSIONS,
      inbound_call_answered: SESSIONS,
      inbound_call_missed: 0,
      calls_held: SESSIONS,
      chats_held: SESSIONS,
    });
  });
});
