// One JSON line per request: what an operator needs to follow traffic, and nothing secret.
// The query string is left out (a token pasted there must not reach the log, and page values
// are the visitors'); so are headers and bodies, where keys and tokens travel.

export interface RequestLogEntry {
  method: string;
  /** The path only. */
  path: string;
  status: number;
  ms: number;
  /** The org the request was for, once known. */
  orgId?: string;
  /** The error code of a refused request. */
  error?: string;
  /** Events in a batch, for ingest. */
  events?: number;
}

export function requestLogLine(entry: RequestLogEntry, now = new Date()): string {
  return JSON.stringify({ time: now.toISOString(), level: 'info', msg: 'request', ...entry });
}

const notes = new WeakMap<object, Partial<RequestLogEntry>>();

/** Adds what a handler learnt (the org, the error code) to its request's log line. */
export function annotate(res: object, fields: Partial<RequestLogEntry>): void {
  notes.set(res, { ...notes.get(res), ...fields });
}

export const annotationsOf = (res: object): Partial<RequestLogEntry> => notes.get(res) ?? {};
