// "Have I seen this id?" for up to `capacity` ids. A Set of a million strings spends most of
// its time growing and chasing pointers; a presized open-addressing table of (hash, index)
// pairs in one Int32Array keeps each probe to a single cache line and does not grow.

export function createSeen(capacity: number): (id: string) => boolean {
  let size = 16;
  while (size < capacity * 2) size *= 2; // load factor ≤ ½ keeps probe runs short
  const mask = size * 2 - 1;
  const table = new Int32Array(size * 2); // [hash, 1 + index in ids]; 0 = empty
  const ids: string[] = [];
  // A random seed, so ids crafted to collide in one run do not collide in the next.
  const seed = (Math.random() * 2 ** 32) | 0;

  return (id) => {
    let h = seed;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x1000193);
    h ^= h >>> 15;
    let slot = (h * 2) & mask;
    for (let k; (k = table[slot + 1]); slot = (slot + 2) & mask) {
      if (table[slot] === h && ids[k - 1] === id) return true;
    }
    table[slot] = h;
    table[slot + 1] = ids.push(id);
    return false;
  };
}
