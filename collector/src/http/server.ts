// The HTTP server: security headers, CORS and preflights for ingest, one log line per request,
// then the router; a handler that throws becomes a 500 with the error body of every other answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { allowOrigin, methodNotAllowed, notFound, sendError } from './respond.js';
import type { Router } from './router.js';
import { DATA_HEADERS } from '../auth/security-headers.js';
import { annotationsOf, requestLogLine } from '../ops/request-log.js';

// Request header names only: anything else is not reflected back.
const HEADER_LIST = /^[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/;

function preflight(req: IncomingMessage, res: ServerResponse) {
  const asked = req.headers['access-control-request-headers'] ?? '';
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': HEADER_LIST.test(asked) ? asked : 'content-type',
    'Access-Control-Max-Age': '7200', // Chromium's cap
    Vary: 'Origin, Access-Control-Request-Headers',
  });
  res.end();
}

/**
 * Only ingest is open to other origins: the tracker posts from customers' sites. Reads are
 * same-origin (the dashboard) or from servers: in open mode a page of any site the operator
 * visits must not read the numbers from the loopback collector.
 */
const CROSS_ORIGIN_PATHS = new Set(['/v1/engage']);

export interface HttpServerOptions {
  /** False for a Host header the server must not answer (open mode: loopback names only). */
  acceptsHost?: (host: string | undefined) => boolean;
}

export function createHttpServer(router: Router, log: (line: string) => void, options: HttpServerOptions = {}): Server {
  return createServer((req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://collector');
    // One JSON line per request; no query string, header or body: keys and tokens travel there.
    res.on('finish', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      log(requestLogLine({ method: req.method ?? '', path: url.pathname, status: res.statusCode, ms, ...annotationsOf(res) }));
    });
    // Data by default; the static routes set the page policy over it.
    for (const [name, value] of Object.entries(DATA_HEADERS)) res.setHeader(name, value);
    res.setHeader('Vary', 'Origin');
    if (CROSS_ORIGIN_PATHS.has(url.pathname)) {
      allowOrigin(req, res);
      if (req.method === 'OPTIONS') return preflight(req, res);
    }
    if (options.acceptsHost && !options.acceptsHost(req.headers.host)) {
      // A page of another site whose name was made to point at 127.0.0.1 (DNS rebinding) would
      // otherwise read the open collector as its own origin.
      return sendError(res, 421, { code: 'host_not_allowed', message: 'without a config file the collector answers loopback host names only (127.0.0.1, localhost, [::1])' });
    }
    const found = router.find(req.method ?? 'GET', url.pathname);
    if ('status' in found) return found.status === 405 ? methodNotAllowed(res, found.allow) : notFound(res, url.pathname);
    Promise.resolve()
      .then(() => found.handler({ req, res, url }))
      .catch((err: unknown) => {
        log(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'handler failed', path: url.pathname, error: String((err as Error)?.stack ?? err) }));
        if (!res.headersSent) sendError(res, 500, { code: 'internal', message: 'internal error' });
        else res.destroy();
      });
  });
}
