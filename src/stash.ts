// The last moments of a page. track() returns before IndexedDB commits, so work still queued
// or mid-transaction when the page hides is written synchronously to localStorage (one key)
// and replayed by the next page load; apply.ts skips whatever had committed after all.
import type { Work } from './apply';
import { localStore } from './env';
import { parseEvent, type ParsedEvent } from './events';

export interface Stash {
  work: Work[];
  /** Outbox keys sent as the page hid, with when: see UNCONFIRMED_GRACE_MS. */
  unconfirmed: [key: number, at: number][];
}

/** Beyond this the stash would only slow the next page down; the outbox cap is the real limit. */
const MAX_STASHED = 5_000;

const keyFor = (orgId: string) => `engage-tracker:${orgId}:stash`;

/**
 * What another script may have written under our key is checked like any input, and an event
 * goes on as parseEvent() normalized it: a stray field (a chat message's callId) stays out.
 */
function read(storage: Storage | undefined, key: string): Stash {
  try {
    const saved = JSON.parse(storage?.getItem(key) ?? '{}') as Partial<Stash>; // null throws: empty
    const now = Date.now();
    return {
      work: (saved.work ?? []).filter(
        (w) => typeof w.tab === 'string' && typeof w.seq === 'number' && typeof w.at === 'number' && (w.kind === 'end' || (w.kind === 'event' && typeof (w.page ?? w.href) === 'string' && typeof (w.event = parseEvent(w.event, now) as ParsedEvent) === 'object')),
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

/**
 * Adds to what other tabs may have left (each entry is idempotent, so merging is safe), and
 * takes out `applied`: work a page without IndexedDB applied after all (it lived on), whose
 * replay markers die with it, so the next page would count it again.
 */
export function saveStash(orgId: string, work: Work[], unconfirmed: Stash['unconfirmed'], applied: Work[] = []): void {
  const storage = localStore();
  if (!storage || !(work.length || unconfirmed.length || applied.length)) return;
  const stash = read(storage, keyFor(orgId));
  // visibilitychange and pagehide both fire as a page goes: keep one copy of each item.
  const saved = new Set(stash.work.map(id));
  const gone = new Set(applied.map(id));
  const next: Stash = {
    work: [...stash.work, ...work.filter((w) => !saved.has(id(w)))].filter((w) => !gone.has(id(w))).slice(-MAX_STASHED),
    unconfirmed: [...new Map([...stash.unconfirmed, ...unconfirmed])],
  };
  try {
    // Nothing left to replay: nothing stays on the device.
    if (next.work.length || next.unconfirmed.length) storage.setItem(keyFor(orgId), JSON.stringify(next));
    else storage.removeItem(keyFor(orgId));
  } catch {
    // Quota or a disabled storage: the IndexedDB path is all there is.
  }
}
