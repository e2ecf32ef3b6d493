// Where state and outbox live: IndexedDB through idb (the only importer of idb), or memory
// when IndexedDB is missing or failing. One `apply` = one readwrite transaction holding the
// dedupe check-and-set and the outbox append, so a crash can neither count without sending
// nor send without counting, and two tabs never both see "first message".
import { wrap, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { DEBUG } from './debug';
import { apply, type Applied, type Rules, type Tx, type Work } from './apply';
import type { MetricEvent } from './metric-event';
import type { StateStore } from './state';

/** Outbox entries: the storage key of each event, then the event. */
export type Entry = [key: number, event: MetricEvent];

export interface Stored extends Applied {
  /** The new outbox entries, in order. */
  added: Entry[];
  /** The keys of the oldest events the cap pushed out (any tab's). */
  dropped: number[];
}

export interface KeySet {
  has(key: number): boolean;
  readonly size: number;
}

export interface Store {
  /** Applies the work and appends its metrics to the outbox, capped at `maxQueued` (oldest out). */
  apply(work: Work[], rules: Rules, maxQueued: number): Promise<Stored>;
  /** The oldest `count` outbox entries, leaving out the keys `skip` has when the read returns. */
  peek(count: number, skip: KeySet): Promise<Entry[]>;
  /** Removes delivered events. */
  remove(keys: number[]): Promise<void>;
  /**
   * The sending lease for browsers without Web Locks: takes it for `owner` until `until` when
   * it is free, expired or already ours (true), or gives it up (`until` 0).
   */
  lease(owner: string, until: number): Promise<boolean>;
  /** False in memory: its keys mean nothing to another page. */
  readonly durable: boolean;
  close(): void;
  /** The page is back from the back/forward cache: see openIndexedDb's inTx. */
  revive(): void;
}

interface Holder {
  owner: string;
  until: number;
}

const STATE_STORES: StateStore[] = ['kv', 'calls', 'msgs', 'applied'];
const OUTBOX = 'outbox';
const quietly = (p: Promise<unknown>) => p.catch(() => {}); // failures surface through tx.done

/**
 * `mirror` receives every state record this page reads or writes, as committed, by
 * `store + '\0' + key`: what memoryStore() goes on from if IndexedDB fails. `lost` hears that
 * the connection closed under us (another tab's upgrade, the browser).
 */
export async function openIndexedDb(name: string, mirror: Map<string, unknown>, lost: (store: Store) => void): Promise<Store> {
  // idb's wrap() of the open request, not openDB(): its options we would not use cost bytes.
  // No version: whatever version is there, as a newer SDK of this origin may have upgraded it
  // (asking for ours would then fail, and this page count beside those pages from memory).
  // Only a new database is upgraded, to version 1.
  const open = indexedDB.open(name);
  open.onupgradeneeded = () => {
    for (const s of STATE_STORES) open.result.createObjectStore(s);
    open.result.createObjectStore(OUTBOX, { autoIncrement: true });
  };
  const db = (await wrap(open)) as IDBPDatabase;
  // A newer schema serves as long as it has our stores; without them the tracker runs in memory.
  if (![...STATE_STORES, OUTBOX].every((s) => db.objectStoreNames.contains(s))) {
    db.close();
    throw new Error(DEBUG ? name + ': stores missing' : '');
  }
  // A newer version in another tab must not wait on us: step aside, memory takes over. The
  // browser may close the connection too (storage cleared, a crash): either way it is lost.
  db.onversionchange = () => {
    db.close();
    lost(store);
  };
  db.onclose = () => lost(store);

  /** A check of each transaction under way: see revive(). */
  const underway = new Set<() => void>();
  /**
   * Runs `op` in a new transaction; again in another one when revive() finds the first ended
   * unannounced. Firefox ends a transaction under way as the page enters the back/forward
   * cache without an event: its promises never settle, and it committed nothing.
   */
  const inTx = <M extends IDBTransactionMode, T>(stores: string | string[], mode: M, op: (tx: IDBPTransaction<unknown, string[], M>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const tx = db.transaction(stores as string[], mode);
      const check = () => {
        try {
          tx.objectStore(tx.objectStoreNames[0]); // throws once the transaction has ended
        } catch {
          underway.delete(check);
          inTx(stores, mode, op).then(resolve, reject);
        }
      };
      underway.add(check);
      op(tx).then(resolve, reject).finally(() => underway.delete(check));
    });

  const store: Store = {
    apply: (work, rules, maxQueued) =>
      inTx([...STATE_STORES, OUTBOX], 'readwrite', async (tx) => {
        const seen = new Map<string, unknown>();
        try {
          const applied = await apply(cachedTx(tx, seen), work, rules);
          const outbox = tx.objectStore(OUTBOX);
          const keys = (await Promise.all(applied.metrics.map((m) => outbox.add(m)))) as number[];
          let dropped: number[] = [];
          if (keys.length) {
            const excess = (await outbox.count()) - maxQueued;
            if (excess > 0) {
              const old = (await outbox.getAllKeys(null, excess)) as number[];
              // The oldest keys are contiguous: no key is ever handed out below one in use.
              quietly(outbox.delete(IDBKeyRange.bound(old[0], old[old.length - 1])));
              dropped = old;
            }
          }
          await tx.done;
          seen.forEach((value, key) => mirror.set(key, value));
          return { ...applied, added: keys.map((key, i): Entry => [key, applied.metrics[i]]), dropped };
        } catch (err) {
          // Never commit half a drain: state without its outbox events would count without sending.
          quietly(tx.done);
          quietly(Promise.resolve().then(() => tx.abort()));
          throw err;
        }
      }),
    peek: (count, skip) =>
      inTx(OUTBOX, 'readonly', async (tx) => {
        quietly(tx.done); // a failed read rejects below; its transaction must not go unhandled
        const outbox = tx.objectStore(OUTBOX);
        const [keys, events] = await Promise.all([outbox.getAllKeys(null, count + skip.size), outbox.getAll(null, count + skip.size)]);
        return (keys as number[]).map((key, i): Entry => [key, events[i]]).filter(([key]) => !skip.has(key)).slice(0, count);
      }),
    remove: (keys) =>
      inTx(OUTBOX, 'readwrite', (tx) => {
        // One request per run of consecutive keys: delivered batches mostly are one run.
        const sorted = [...keys].sort((a, b) => a - b);
        for (let i = 0, first = 0; i < sorted.length; i++) {
          if (sorted[i + 1] !== sorted[i] + 1) {
            quietly(tx.objectStore(OUTBOX).delete(IDBKeyRange.bound(sorted[first], sorted[i])));
            first = i + 1;
          }
        }
        return tx.done;
      }),
    lease: (owner, until) =>
      inTx('kv', 'readwrite', async (tx) => {
        const kv = tx.objectStore('kv');
        const held = (await kv.get('lease')) as Holder | undefined;
        const free = !held || held.owner === owner || held.until < Date.now();
        if (free) quietly(kv.put({ owner, until }, 'lease'));
        await tx.done;
        return free;
      }),
    revive: () => underway.forEach((check) => check()),
    durable: true,
    close: () => db.close(),
  };
  return store;
}

const id = (store: string, key: string) => store + '\u0000' + key;

/**
 * Reads each key once per transaction, into `seen`; later reads see the transaction's own
 * writes. Without `tx`, `seen` is all the state there is (memoryStore).
 */
function cachedTx(tx: IDBPTransaction<unknown, string[], 'readwrite'> | undefined, seen: Map<string, unknown>): Tx {
  return {
    async get<T>(store: StateStore, key: string) {
      if (tx && !seen.has(id(store, key))) seen.set(id(store, key), await tx.objectStore(store).get(key));
      return seen.get(id(store, key)) as T | undefined;
    },
    put(store, key, value) {
      seen.set(id(store, key), value);
      if (tx) quietly(tx.objectStore(store).put(value, key));
    },
    del(store, key) {
      seen.set(id(store, key), undefined);
      if (tx) quietly(tx.objectStore(store).delete(key));
    },
    prune(store, below) {
      // (What a page stores in memory goes with it.)
      if (tx) quietly(tx.objectStore(store).delete(IDBKeyRange.upperBound(below, true)));
    },
  };
}

/**
 * The same contract in memory: for browsers without a usable IndexedDB. Lost on reload. Starts
 * from `state` and `queued` when IndexedDB fails mid-session.
 */
export function memoryStore(state = new Map<string, unknown>(), queued: Entry[] = []): Store {
  const outbox = new Map<number, MetricEvent>(queued);
  // Negative: never the key of an IndexedDB event still in flight, or delivered by another tab.
  let nextKey = -1;
  const tx = cachedTx(undefined, state);
  return {
    async apply(work, rules, maxQueued) {
      const applied = await apply(tx, work, rules);
      const added = applied.metrics.map((event): Entry => [nextKey--, event]);
      for (const [key, event] of added) outbox.set(key, event);
      const dropped = [...outbox.keys()].slice(0, Math.max(0, outbox.size - maxQueued));
      dropped.forEach((key) => outbox.delete(key));
      return { ...applied, added, dropped };
    },
    async peek(count, skip) {
      return [...outbox].filter(([key]) => !skip.has(key)).slice(0, count);
    },
    async remove(keys) {
      keys.forEach((key) => outbox.delete(key));
    },
    lease: async () => true, // memory is this page's alone
    durable: false,
    close() {},
    revive() {},
  };
}
