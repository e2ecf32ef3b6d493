// Where state and outbox live: IndexedDB through idb (the only importer of idb), or memory
// when IndexedDB is missing or failing. One `apply` = one readwrite transaction holding the
// dedupe check-and-set and the outbox append, so a crash can neither count without sending
// nor send without counting, and two tabs never both see "first message".
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { apply, type Applied, type Rules, type StateStore, type Tx, type Work } from './apply';
import type { MetricEvent } from './metric-event';

export interface Queued {
  keys: number[];
  events: MetricEvent[];
}

export interface Store {
  /** Applies the work and appends its metrics to the outbox, capped at `maxQueued` (oldest out). */
  apply(work: Work[], rules: Rules, maxQueued: number): Promise<Applied & { dropped: number }>;
  /** The oldest `count` outbox events, in order. */
  peek(count: number): Promise<Queued>;
  /** Removes delivered events. */
  remove(keys: number[]): Promise<void>;
  close(): void;
}

const STATE_STORES: StateStore[] = ['kv', 'calls', 'msgs'];
const OUTBOX = 'outbox';
const quietly = (p: Promise<unknown>) => p.catch(() => {}); // failures surface through tx.done

export async function openIndexedDb(name: string): Promise<Store> {
  const db: IDBPDatabase = await openDB(name, 1, {
    upgrade(up) {
      for (const s of STATE_STORES) up.createObjectStore(s);
      up.createObjectStore(OUTBOX, { autoIncrement: true });
    },
    // A newer version in another tab must not wait on us: step aside, memory takes over.
    blocking() {
      db.close();
    },
  });

  return {
    async apply(work, rules, maxQueued) {
      const tx = db.transaction([...STATE_STORES, OUTBOX], 'readwrite');
      try {
        const applied = await apply(cachedTx(tx), work, rules);
        const outbox = tx.objectStore(OUTBOX);
        for (const m of applied.metrics) quietly(outbox.add(m));
        let dropped = 0;
        if (applied.metrics.length) {
          const excess = (await outbox.count()) - maxQueued;
          if (excess > 0) {
            const keys = (await outbox.getAllKeys(null, excess)) as number[];
            quietly(outbox.delete(IDBKeyRange.bound(keys[0], keys[keys.length - 1])));
            dropped = keys.length;
          }
        }
        await tx.done;
        return { ...applied, dropped };
      } catch (err) {
        // Never commit half a drain: state without its outbox events would count without sending.
        quietly(tx.done);
        quietly(Promise.resolve().then(() => tx.abort()));
        throw err;
      }
    },
    async peek(count) {
      const tx = db.transaction(OUTBOX);
      const [keys, events] = await Promise.all([tx.store.getAllKeys(null, count), tx.store.getAll(null, count)]);
      return { keys: keys as number[], events };
    },
    async remove(keys) {
      if (!keys.length) return;
      // Keys are handed out in increasing order and peek returned the oldest: a range is exact.
      const tx = db.transaction(OUTBOX, 'readwrite');
      quietly(tx.store.delete(IDBKeyRange.bound(keys[0], keys[keys.length - 1])));
      await tx.done;
    },
    close: () => db.close(),
  };
}

/** Reads each key once per transaction; later reads see this transaction's own writes. */
function cachedTx(tx: IDBPTransaction<unknown, string[], 'readwrite'>): Tx {
  const seen = new Map<string, unknown>();
  const remember = (store: string, key: string, value: unknown) => seen.set(store + '\u0000' + key, value);
  return {
    async get<T>(store: StateStore, key: string) {
      const id = store + '\u0000' + key;
      if (!seen.has(id)) seen.set(id, await tx.objectStore(store).get(key));
      return seen.get(id) as T | undefined;
    },
    put(store, key, value) {
      remember(store, key, value);
      quietly(tx.objectStore(store).put(value, key));
    },
    del(store, key) {
      remember(store, key, undefined);
      quietly(tx.objectStore(store).delete(key));
    },
  };
}

/** The same contract in memory: for browsers without a usable IndexedDB. Lost on reload. */
export function memoryStore(): Store {
  const state = new Map<string, unknown>();
  let outbox: { key: number; event: MetricEvent }[] = [];
  let nextKey = 1;
  const tx: Tx = {
    get: async <T>(store: StateStore, key: string) => state.get(store + '\u0000' + key) as T | undefined,
    put: (store, key, value) => void state.set(store + '\u0000' + key, structuredClone(value)),
    del: (store, key) => void state.delete(store + '\u0000' + key),
  };
  return {
    async apply(work, rules, maxQueued) {
      const applied = await apply(tx, work, rules);
      for (const event of applied.metrics) outbox.push({ key: nextKey++, event });
      const dropped = Math.max(0, outbox.length - maxQueued);
      outbox = outbox.slice(dropped);
      return { ...applied, dropped };
    },
    async peek(count) {
      const head = outbox.slice(0, count);
      return { keys: head.map((q) => q.key), events: head.map((q) => q.event) };
    },
    async remove(keys) {
      const gone = new Set(keys);
      outbox = outbox.filter((q) => !gone.has(q.key));
    },
    close() {},
  };
}
