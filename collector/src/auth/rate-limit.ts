// Token buckets by name (an ingest key, a client address, a read token): each holds up to
// `burst` requests and refills at `perSecond`. A refused request learns when one more will be
// allowed, for Retry-After.
import type { BucketLimit } from './registry.js';

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(name: string, limit: BucketLimit, now?: number): Verdict;
}

/**
 * `maxBuckets` bounds the memory a flood from many addresses can take: past it, the buckets
 * idle longest go first (a full bucket forgotten is the same as a new one).
 */
export function createRateLimiter(maxBuckets = 100_000): RateLimiter {
  // Insertion order = order of last use (an entry is re-inserted on each take).
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(name, { perSecond, burst }, now = Date.now()) {
      const bucket = buckets.get(name) ?? { tokens: burst, at: now };
      buckets.delete(name);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1_000) * perSecond);
      bucket.at = now;
      buckets.set(name, bucket);
      if (buckets.size > maxBuckets) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
    },
  };
}
