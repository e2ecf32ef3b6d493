// "Which event first had this key?" over an array of events, for event ids, sessions and
// calls. A Set or Map of a million strings grows by copying, allocates per key and leaves the
// garbage collector a million more things to walk; an open-addressing table of (hash, event
// index) pairs in one Int32Array does none of that, and the stored hash spares reading the
// events on almost every probe. Plain functions, not closures made per call: V8 keeps their
// optimized code from one aggregate() to the next.
import type { MetricEvent } from '../metric-event';

/** What two events must share to have the same key: their id, session, or visitor's call. */
export type Key = readonly ('id' | 'orgId' | 'visitorId' | 'sessionId' | 'callId')[];
export const ID: Key = ['id'];
export const SESSION: Key = ['orgId', 'visitorId', 'sessionId'];
export const CALL: Key = ['orgId', 'visitorId', 'callId'];

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
  let size = 2;
  while (size < capacity * 2) size *= 2;
  const table = new Int32Array(size + 1);
  // Random, so keys crafted to collide in one table do not collide in the next.
  table[size] = Math.random() * 4e9; // stored as an int32
  return table;
}

// FNV-1a; sameKey() settles the rare tuples that hash alike, such as ('ab', 'c') and ('a', 'bc').
// A field that is not a string hashes like '' (and only matches the same value).
const mix = (h: number, s: unknown) => {
  if (typeof s === 'string') for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x1000193);
  return h;
};

export function sameKey(events: readonly MetricEvent[], k: number, j: number, key: Key): boolean {
  for (const field of key) if (events[k][field] !== events[j][field]) return false;
  return true;
}

/** The index of the first event whose key equals event `j`'s: `j` itself when the key is new. */
export function firstOf(table: Table, events: readonly MetricEvent[], j: number, key: Key): number {
  const mask = table.length - 2;
  let h = table[mask + 1];
  for (const field of key) h = mix(h, events[j][field]);
  h ^= h >>> 15;
  let slot = h & mask;
  // The hash's top bits tell almost every other key apart without reading its event.
  for (let k; (k = table[slot]); slot = (slot + 1) & mask) {
    if (!((k ^ h) & ~mask) && sameKey(events, (k & mask) - 1, j, key)) return (k & mask) - 1;
  }
  table[slot] = (h & ~mask) | (j + 1);
  return j;
}
