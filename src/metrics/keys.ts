// "Which event first had this key?" over an array of events, for event ids, sessions and
// calls. A Set or Map of a million strings grows by copying, allocates per key and leaves the
// garbage collector a million more things to walk; an open-addressing table of (hash, event
// index) pairs in one Int32Array does none of that, and the stored hash spares reading the
// events on almost every probe. Plain functions, not closures made per call: V8 keeps their
// optimized code from one aggregate() to the next.
import type { MetricEvent } from '../metric-event';

/**
 * Whether two events have the same key: their (org, id), session, or visitor's call. Fields named
 * in the code, not looked up by a name in a variable: such a lookup, seeing several names,
 * goes megamorphic and costs several times more.
 */
export type Same = (a: MetricEvent, b: MetricEvent) => boolean;
export const sameId: Same = (a, b) => a.id === b.id && a.orgId === b.orgId;
export const sameSession: Same = (a, b) => a.orgId === b.orgId && a.visitorId === b.visitorId && a.sessionId === b.sessionId;
export const sameCall: Same = (a, b) => a.orgId === b.orgId && a.visitorId === b.visitorId && a.callId === b.callId;

/**
 * One cell per slot, 0 when empty, else 1 + the event's index in the low bits (those of the
 * slot number) and the top bits of its key's hash above them; then one cell with the table's
 * random seed. 4 bytes a slot: half the memory a (hash, index) pair takes, so half the cache
 * and TLB misses, which is what a lookup in a large table spends most of its time on.
 */
export type Table = Int32Array;

/**
 * A table for up to `capacity` keys of events indexed below `capacity`, kept at most half
 * full so probe runs stay short.
 */
export function createTable(capacity: number): Table {
  // The power of two in (2 * capacity, 4 * capacity]: 4 for none. (No array of 2 ** 29 events
  // fits in memory, where the shift would overflow.)
  const size = 4 << Math.log2(capacity);
  const table = new Int32Array(size + 1);
  // Random, so keys crafted to collide in one table do not collide in the next.
  table[size] = Math.random() * 4e9; // stored as an int32
  return table;
}

/**
 * FNV-1a, from `h`: a key's hash is its fields mixed in turn into the table's seed (its last cell), every
 * character of each. `same` settles the rare keys that hash alike, such as ('ab', 'c') and
 * ('a', 'bc'). A field that is not a string hashes like '' (and only matches the same value).
 */
export const mix = (h: number, s: unknown) => {
  if (typeof s === 'string') for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x1000193);
  return h;
};


/**
 * The index of the first event `same` as event `j`, whose key hashes to `h`: `j` itself when
 * the key is new.
 */
export function firstOf(table: Table, events: readonly MetricEvent[], j: number, h: number, same: Same): number {
  const mask = table.length - 2;
  h ^= h >>> 15;
  let slot = h & mask;
  // The hash's top bits tell almost every other key apart without reading its event.
  for (let k; (k = table[slot]); slot = (slot + 1) & mask) {
    if (!((k ^ h) & ~mask) && same(events[(k & mask) - 1], events[j])) return (k & mask) - 1;
  }
  table[slot] = (h & ~mask) | (j + 1);
  return j;
}
