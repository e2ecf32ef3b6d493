// How the DuckDB store finds each event's bucket with an equality join instead of a search
// through the bucket starts. Time from the first start is cut into equal units no longer than
// the shortest bucket, so a unit holds at most one bucket boundary: an event's unit number is
// one division, and its bucket is the unit's own, or the next one if the event lies at or
// after the boundary inside the unit. There are about as many units as buckets (at most twice
// as many, with 30-minute DST shifts), however long the range: the table stays as small as
// the list of starts, which is bounded (bucketStarts' limit).

export interface BucketUnits {
  /** Epoch ms where unit 0 begins: the first bucket's start. */
  originMs: number;
  unitMs: number;
  /** Per unit: the start of the bucket holding the unit's first instant. */
  bucketAt: number[];
  /** Per unit: the start of the bucket that begins inside it, or null. */
  boundary: (number | null)[];
}

/** The units for buckets starting at `starts` (ascending, at least one), the last ending at `end`. */
export function bucketUnits(starts: readonly number[], end: number): BucketUnits {
  const originMs = starts[0];
  let unitMs = end - originMs;
  for (let i = 0; i < starts.length; i++) unitMs = Math.min(unitMs, (starts[i + 1] ?? end) - starts[i]);
  if (!(unitMs > 0)) throw new RangeError('bucket starts must ascend, and end come after the last');
  const bucketAt: number[] = [];
  const boundary: (number | null)[] = [];
  let b = 0;
  for (let unitStart = originMs; unitStart < end; unitStart += unitMs) {
    while (b + 1 < starts.length && starts[b + 1] <= unitStart) b++;
    bucketAt.push(starts[b]);
    const next = starts[b + 1];
    boundary.push(next !== undefined && next < unitStart + unitMs ? next : null);
  }
  return { originMs, unitMs, bucketAt, boundary };
}
