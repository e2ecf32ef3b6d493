// The last moments of a page. track() returns before IndexedDB commits, so work still queued
// or mid-transaction when the page hides is written synchronously to localStorage (one key)
// and replayed by the next page load; apply.ts skips whatever had committed after all.
import type { Work } from './apply';
import { localStore } from './env';
import { parseEvent } from './events';

export interface Stash {
  work: Work[];
  /** Outbox keys sent as the page hid, with when: see UNCONFIRMED_GRACE_MS. */
  unconfirmed: [key: number, at: number][];
}

/** Beyond this the stash would only slow the next page down; the outbox cap is the real limit. */
const MAX_STASHED = 5_000;

const keyFor = (orgId: string) => `engage-tracker:${orgId}:stash`;

/** What another script may have written under our key is checked like any input. */
function read(storage: Storage | undefined, key: string): Stash {
  try {
    const saved = JSON.parse(storage?.getItem(key) ?? '{}') as Partial<Stash>; // null throws: empty
    const now = Date.now();
    return {
      work: (saved.work ?? []).filter(
        (w) => typeof w.tab === 'string' && typeof w.seq === 'number' && typeof w.at === 'number' && (w.kind === 'end' || (w.kind === 'event' && typeof w.href === 'string' && typeof parseEvent(w.event, now) !== 'string')),
      ),
      unconfirmed: (saved.unconfirmed ?? []).filter((u) => Array.isArray(u) && typeof u[0] === 'number' && typeof u[1] === 'number'),
    };
  } catch {
    return { work: [], unconfirmed: [] };
  }
}

/** Reads and clears what earlier pages left. */
export function takeStash(orgId: string): Stash {
  const storage = localStore();
  const stash = read(storage, keyFor(orgId)); // without storage: nothing was left
  storage?.removeItem(keyFor(orgId));
  return stash;
}

const id = (w: Work) => w.tab + ':' + w.seq;

/** Adds to what other tabs may have left (each entry is idempotent, so merging is safe). */
export function saveStash(orgId: string, work: Work[], unconfirmed: Stash['unconfirmed']): void {
  const storage = localStore();
  if (!storage || (!work.length && !unconfirmed.length)) return;
  const stash = read(storage, keyFor(orgId));
  // visibilitychange and pagehide both fire as a page goes: keep one copy of each item.
  const saved = new Set(stash.work.map(id));
  write(storage, orgId, {
    work: [...stash.work, ...work.filter((w) => !saved.has(id(w)))].slice(-MAX_STASHED),
    unconfirmed: [...new Map([...stash.unconfirmed, ...unconfirmed])],
  });
}

/** Takes out work applied after all, where no replay marker outlives the page (memory). */
export function dropStashed(orgId: string, applied: Work[]): void {
  const storage = localStore();
  if (!storage) return;
  const stash = read(storage, keyFor(orgId));
  const done = new Set(applied.map(id));
  write(storage, orgId, { ...stash, work: stash.work.filter((w) => !done.has(id(w))) });
}

function write(storage: Storage, orgId: string, stash: Stash) {
  try {
    storage.setItem(keyFor(orgId), JSON.stringify(stash));
  } catch {
    // Quota or a disabled storage: the IndexedDB path is all there is.
  }
}
