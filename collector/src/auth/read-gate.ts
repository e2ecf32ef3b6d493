// Who may read what (issue 18 item 5): a bearer token in the Authorization header, never in
// the URL; a read token sees its own org; an admin token names the org with orgId=; another
// org and an org that does not exist get the same 403, so org ids cannot be probed. Pure: the
// HTTP layer renders the refusal and binds the org into the query.
import type { AccessList } from './access-list.js';
import type { AccessMode } from './listen-policy.js';
import type { RateLimiter } from './rate-limit.js';
import { kindOf } from './secrets.js';

export interface ReadRefusal {
  status: 400 | 401 | 403 | 429;
  code: 'token_in_query' | 'unauthorized' | 'forbidden_org' | 'invalid_param' | 'rate_limited';
  message: string;
  param?: string;
  headers: Record<string, string>;
}

/** `orgId`: the one org this request reads; undefined only in open mode without orgId=. */
export type ReadVerdict = { ok: true; orgId: string | undefined } | { ok: false; refusal: ReadRefusal };

/** The parameters that would carry a token in the URL. */
const TOKEN_PARAMS = ['access_token', 'token', 'bearer', 'authorization'];

const CHALLENGE = 'Bearer realm="engage-collector"';

export interface ReadRequest {
  /** The Authorization header. */
  authorization: string | undefined;
  query: URLSearchParams;
  /** Routes that need the admin token (/metrics). */
  adminOnly?: boolean;
}

export function checkRead(request: ReadRequest, mode: AccessMode, list: AccessList | undefined, limiter: RateLimiter, now = Date.now()): ReadVerdict {
  const refuse = (refusal: Omit<ReadRefusal, 'headers'> & { headers?: Record<string, string> }): ReadVerdict => ({ ok: false, refusal: { headers: {}, ...refusal } });
  for (const [name, value] of request.query) {
    const looksLikeToken = TOKEN_PARAMS.includes(name.toLowerCase()) || kindOf(value) === 'read' || kindOf(value) === 'admin';
    if (looksLikeToken) {
      return refuse({ status: 400, code: 'token_in_query', param: name, message: 'tokens go in an Authorization: Bearer header, never in the URL (URLs end up in logs and histories); revoke this one if it was real' });
    }
  }
  const requested = request.query.get('orgId') ?? undefined;
  if (mode === 'open' || !list) return { ok: true, orgId: requested };

  const match = /^Bearer +(\S+) *$/i.exec(request.authorization ?? '');
  const reader = match ? list.reader(match[1]) : undefined;
  if (!reader) {
    const challenge = match ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE;
    return refuse({ status: 401, code: 'unauthorized', message: 'this route needs Authorization: Bearer <read or admin token>', headers: { 'WWW-Authenticate': challenge } });
  }
  const verdict = limiter.take(`token ${match![1]}`, list.limits.readPerToken, now);
  if (!verdict.ok) {
    return refuse({ status: 429, code: 'rate_limited', message: `too many requests for this token; retry after ${verdict.retryAfterSeconds} s`, headers: { 'Retry-After': String(verdict.retryAfterSeconds) } });
  }
  const forbidden = () => refuse({ status: 403, code: 'forbidden_org', message: 'this token cannot read that org (or there is no such org)' });
  if (reader.kind === 'read') {
    if (request.adminOnly) return refuse({ status: 403, code: 'forbidden_org', message: 'this route needs the admin token' });
    return requested === undefined || requested === reader.orgId ? { ok: true, orgId: reader.orgId } : forbidden();
  }
  if (request.adminOnly) return { ok: true, orgId: undefined };
  if (requested === undefined) return refuse({ status: 400, code: 'invalid_param', param: 'orgId', message: 'an admin token names the org to read with orgId=' });
  return list.hasOrg(requested) ? { ok: true, orgId: requested } : forbidden();
}

