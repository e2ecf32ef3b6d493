// "Which event first had this key?" over an array of events (event ids, sessions, calls).
// A Set or Map of a million strings grows by copying, allocates per key and leaves the
// garbage collector a million more things to walk; a presized open-addressing table of
// (hash, event index) pairs in one Int32Array does none of that, and the stored hash spares
// reading the events on almost every probe.

/**
 * The index of the first event whose key equals event `j`'s: `j` itself when the key is new.
 * The key is up to three strings; `same(k, j)` tells whether events k and j share it.
 */
export type FirstOf = (j: number, a: string, b?: string, c?: string) => number;

export function createFirstOf(capacity: number, same: (k: number, j: number) => boolean): FirstOf {
  let size = 16;
  while (size < capacity * 2) size *= 2; // load factor ≤ ½ keeps probe runs short
  const mask = size * 2 - 1;
  const table = new Int32Array(size * 2); // [hash, 1 + event index]; 0 = empty
  // A random seed, so keys crafted to collide in one run do not collide in the next.
  const seed = (Math.random() * 2 ** 32) | 0;
  // FNV-1a; same() settles the rare tuples that hash alike, such as ('ab', 'c') and ('a', 'bc').
  const mix = (h: number, s: string) => {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x1000193);
    return h;
  };

  return (j, a, b = '', c = '') => {
    let h = mix(mix(mix(seed, a), b), c);
    h ^= h >>> 15;
    let slot = (h * 2) & mask;
    for (let k; (k = table[slot + 1]); slot = (slot + 2) & mask) {
      if (table[slot] === h && same(k - 1, j)) return k - 1;
    }
    table[slot] = h;
    table[slot + 1] = j + 1;
    return j;
  };
}
