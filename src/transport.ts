// How a batch travels: fetch for normal sends, a beacon (or keepalive fetch) while the page
// goes away. Answers are turned into data, so the outbox decides without a network.

export type Outcome = 'sent' | 'retry' | 'drop';

/** 0 stands for a network error. */
export const outcomeOf = (status: number): Outcome =>
  status >= 200 && status < 300
    ? 'sent'
    : status === 0 || status === 408 || status === 429 || status >= 500
      ? 'retry'
      : 'drop';

export interface Answer {
  status: number;
  retryAfter?: string | null;
  error?: unknown;
}

export async function post(endpoint: string, body: string, headers: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      credentials: 'omit',
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  } catch (error) {
    return { status: 0, error };
  }
}
