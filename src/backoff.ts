// How long to wait before retrying a failed batch. Pure: the caller brings clock and dice.

const BASE_MS = 1_000;
const CAP_MS = 60_000;
const FLOOR_MS = 250;
/** A server may ask for a pause; an hour is the most we honour before trying again. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; undefined if absent or bad. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const ms = /^\s*\d+\s*$/.test(header) ? Number(header) * 1_000 : Date.parse(header) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : undefined;
}

/** Full jitter over an exponential ceiling (attempt 0 → up to 1 s, capped at 60 s); Retry-After wins when longer. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const jittered = Math.max(FLOOR_MS, Math.round(random() * Math.min(CAP_MS, BASE_MS * 2 ** attempt)));
  return Math.max(jittered, retryAfterMs ?? 0);
}
