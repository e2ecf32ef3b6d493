// How a batch travels: fetch for normal sends; while the page goes away, a keepalive fetch
// (its answer still arrives if the page lives on; see keepalive.ts for how much may go).
// Answers are turned into data, so the outbox decides without a network.

import { later } from './env';

export type Outcome = 'sent' | 'retry' | 'drop' | 'refused';

/** Longest wait for an answer: ample for a batch of 500 events (some 150 KB) on a slow uplink. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * 0 stands for a network error. Only a 4xx drops a batch (SPEC 6): a final 3xx (no Location,
 * a 304) says nothing against the batch, so it is retried like any other failure. 401 and 403
 * refuse the key, origin or org: a standing condition, not a fault of the batch.
 */
export const outcomeOf = (status: number): Outcome =>
  status >= 200 && status < 300 ? 'sent' : status === 401 || status === 403 ? 'refused' : status > 399 && status < 500 && status !== 408 && status !== 429 ? 'drop' : 'retry';

export interface Answer {
  /** 0: a network error, or a redirect (see `redirected`). */
  status: number;
  /** The endpoint answered with a redirect, which is not followed (browsers hide its status). */
  redirected?: boolean;
  retryAfter?: string | null;
  error?: unknown;
}

/**
 * POSTs a batch. `keepalive` lets it outlive the page; it then goes as text/plain without
 * custom headers, so no CORS preflight has to survive the unload.
 */
export async function post(endpoint: string, body: string, headers: Record<string, string>, keepalive = false): Promise<Answer> {
  // An endpoint that never answers would hold every later send, and flush(), for good: after
  // REQUEST_TIMEOUT_MS the request counts as a network error and is retried. (Not as the page
  // hides: that request is meant to outlive the page, and nobody waits for it.)
  const controller = new AbortController();
  const timer = keepalive ? undefined : later(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      body,
      // A string body goes as text/plain;charset=UTF-8 unless a header says otherwise.
      headers: keepalive ? undefined : { 'content-type': 'application/json', ...headers },
      credentials: 'omit',
      keepalive,
      // Followed, a 301/302 turns the POST into a GET that the new place may answer 2xx: the
      // batch would count as delivered though no collector got it. A redirect is a failure.
      redirect: 'manual',
      signal: controller.signal,
    });
    if (res.type === 'opaqueredirect') return { status: 0, redirected: true };
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (error) {
    return { status: 0, error };
  } finally {
    clearTimeout(timer);
  }
}
