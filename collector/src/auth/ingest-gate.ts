// The access checks of POST /v1/engage (issue 18 item 3), after the body's size (413) and
// shape (400): the key (401, one body whatever is wrong with it, so keys cannot be probed),
// the page's origin (403, without CORS headers: the page is not let in), the rate limits (429
// with Retry-After), and every event's org (403 naming the first foreign event). Pure: the
// HTTP layer renders the refusal.
import type { AccessList } from './access-list.js';
import type { RateLimiter } from './rate-limit.js';

export interface IngestRequest {
  /** The batch body's `key` field, as sent. */
  key: unknown;
  /** The Origin header, if any. */
  origin: string | undefined;
  /** The client's address (see clientAddress()). */
  address: string;
  events: readonly { orgId: string }[];
}

export interface Refusal {
  status: 401 | 403 | 429;
  code: 'invalid_key' | 'origin_not_allowed' | 'rate_limited' | 'org_mismatch';
  message: string;
  index?: number;
  retryAfterSeconds?: number;
  /** False for a refused origin: that answer carries no CORS headers. */
  cors: boolean;
}

export type IngestVerdict = { ok: true; orgId: string } | { ok: false; refusal: Refusal };

export function checkIngest(request: IngestRequest, list: AccessList, limiter: RateLimiter, now = Date.now()): IngestVerdict {
  const refuse = (refusal: Refusal): IngestVerdict => ({ ok: false, refusal });
  const grant = list.ingestKey(request.key, now);
  if (!grant) {
    return refuse({ status: 401, code: 'invalid_key', message: 'the batch needs a valid ingest key in its "key" field (missing, unknown or expired)', cors: true });
  }
  // A request without Origin is not a browser's: nothing to check (a script can send any Origin).
  if (grant.origins.length && request.origin !== undefined && !grant.origins.includes(request.origin)) {
    return refuse({ status: 403, code: 'origin_not_allowed', message: 'this origin may not post with this key', cors: false });
  }
  const limited = (name: string, limit: AccessList['limits']['ingestPerKey'], what: string): IngestVerdict | undefined => {
    const verdict = limiter.take(name, limit, now);
    if (verdict.ok) return undefined;
    return refuse({ status: 429, code: 'rate_limited', message: `too many batches ${what}; retry after ${verdict.retryAfterSeconds} s`, retryAfterSeconds: verdict.retryAfterSeconds, cors: true });
  };
  const overLimit = limited(`address ${request.address}`, list.limits.ingestPerAddress, 'from this address') ?? limited(`key ${request.key as string}`, list.limits.ingestPerKey, 'for this key');
  if (overLimit) return overLimit;
  const index = request.events.findIndex((e) => e.orgId !== grant.orgId);
  if (index >= 0) {
    return refuse({ status: 403, code: 'org_mismatch', message: `event ${index}: its orgId is not the org of this key; nothing of this batch was stored`, index, cors: true });
  }
  return { ok: true, orgId: grant.orgId };
}
