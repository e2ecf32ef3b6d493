// Who may read what (issue 18 item 5): a bearer token in the Authorization header, never in
// the URL; a read token sees its own org; an admin token names the org with orgId=; another
// org and an org that does not exist get the same 403, so org ids cannot be probed. Pure: the
// HTTP layer renders the refusal and binds the org into the query.
import type { AccessList, Reader } from './access-list.js';
import type { AccessMode } from './listen-policy.js';
import type { RateLimiter } from './rate-limit.js';
import { kindOf } from './secrets.js';

export interface ReadRefusal {
  status: 400 | 401 | 403 | 429;
  code: 'token_in_query' | 'unauthorized' | 'forbidden' | 'invalid_param' | 'rate_limited';
  message: string;
  param?: string;
  headers: Record<string, string>;
}

/** In open mode (no config, loopback) the reader is everyone. */
export type AnyReader = Reader | { kind: 'open' };

export type Verdict<T> = ({ ok: true } & T) | { ok: false; refusal: ReadRefusal };

/** The parameters that would carry a token in the URL. */
const TOKEN_PARAMS = ['access_token', 'token', 'bearer', 'authorization'];

const CHALLENGE = 'Bearer realm="engage-collector"';

const refuse = (refusal: Omit<ReadRefusal, 'headers'> & { headers?: Record<string, string> }): { ok: false; refusal: ReadRefusal } => ({
  ok: false,
  refusal: { headers: {}, ...refusal },
});

export interface ReadRequest {
  /** The Authorization header. */
  authorization: string | undefined;
  query: URLSearchParams;
}

/** The reader of a data route: checks the URL holds no token, the bearer token, and its rate. */
export function authenticate(request: ReadRequest, mode: AccessMode, list: AccessList | undefined, limiter: RateLimiter, now = Date.now()): Verdict<{ reader: AnyReader }> {
  for (const [name, value] of request.query) {
    if (TOKEN_PARAMS.includes(name.toLowerCase()) || kindOf(value) === 'read' || kindOf(value) === 'admin') {
      return refuse({ status: 400, code: 'token_in_query', param: name, message: 'tokens go in an Authorization: Bearer header, never in the URL (URLs end up in logs and histories); revoke this one if it was real' });
    }
  }
  if (mode === 'open' || !list) return { ok: true, reader: { kind: 'open' } };
  const match = /^Bearer +(\S+) *$/i.exec(request.authorization ?? '');
  const reader = match ? list.reader(match[1]) : undefined;
  if (!match || !reader) {
    const challenge = match ? `${CHALLENGE}, error="invalid_token"` : CHALLENGE;
    return refuse({ status: 401, code: 'unauthorized', message: 'this route needs Authorization: Bearer <read or admin token>', headers: { 'WWW-Authenticate': challenge } });
  }
  const verdict = limiter.take(`token ${match[1]}`, list.limits.readPerToken, now);
  if (!verdict.ok) {
    return refuse({ status: 429, code: 'rate_limited', message: `too many requests for this token; retry after ${verdict.retryAfterSeconds} s`, headers: { 'Retry-After': String(verdict.retryAfterSeconds) } });
  }
  return { ok: true, reader };
}

const FORBIDDEN = { status: 403, code: 'forbidden', message: 'this token cannot read that org, or there is no such org' } as const;

/**
 * The one org a request reads: a read token's own (orgId= may repeat it), the one an admin
 * token names, or in open mode the one asked for (undefined: every org).
 */
export function scopeOrg(reader: AnyReader, requested: string | null, hasOrg: (orgId: string) => boolean): Verdict<{ orgId: string | undefined }> {
  if (reader.kind === 'open') return { ok: true, orgId: requested ?? undefined };
  if (reader.kind === 'read') return requested === null || requested === reader.orgId ? { ok: true, orgId: reader.orgId } : refuse(FORBIDDEN);
  if (requested === null) return refuse({ status: 400, code: 'invalid_param', param: 'orgId', message: 'an admin token names the org to read with orgId=' });
  return hasOrg(requested) ? { ok: true, orgId: requested } : refuse(FORBIDDEN);
}

/** Routes for the operator only (/metrics): the admin token, or open mode. */
export const isOperator = (reader: AnyReader): boolean => reader.kind !== 'read';

export const ADMIN_ONLY: ReadRefusal = { status: 403, code: 'forbidden', message: 'this route needs the admin token', headers: {} };
