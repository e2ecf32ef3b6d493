// The one place that writes statuses, headers and error bodies, so every route (and any
// middleware added later) answers the same way.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { annotate } from '../ops/request-log.js';

export interface ApiError {
  code: string;
  message: string;
  /** The query parameter at fault. */
  param?: string;
  /** The index of the event at fault in a batch. */
  index?: number;
}

export type Headers = Record<string, string>;

/**
 * Any website may send: the tracker runs on customers' sites. The collector sets no cookies,
 * so reflecting the origin with credentials (sendBeacon always sends them) gives a page
 * nothing it could not already read. Retry-After is exposed so the SDK can honour it
 * cross-origin.
 */
/** CORS headers come off an answer that must not let the page in (a refused origin). */
export function disallowOrigin(res: ServerResponse): void {
  for (const name of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials', 'Access-Control-Expose-Headers']) res.removeHeader(name);
}

export function allowOrigin(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Vary', 'Origin');
  if (!req.headers.origin) return;
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function sendText(res: ServerResponse, status: number, contentType: string, body: string, headers: Headers = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** `{"error": {...}}` with the status; 429 and 503 always carry Retry-After (seconds). */
export function sendError(res: ServerResponse, status: number, error: ApiError, headers: Headers = {}): void {
  annotate(res, { error: error.code });
  const retry: Headers = status === 429 || status === 503 ? { 'Retry-After': headers['Retry-After'] ?? '1' } : {};
  sendJson(res, status, { error }, { ...headers, ...retry });
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, { code: 'method_not_allowed', message: `method not allowed; use ${allow}` }, { Allow: allow });
}

export function notFound(res: ServerResponse, path: string): void {
  sendError(res, 404, { code: 'not_found', message: `no route for ${path}` });
}
