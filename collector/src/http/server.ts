// The HTTP server: CORS and preflights for every route, then the router; a handler that
// throws becomes a 500 with the error body of every other answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { allowOrigin, methodNotAllowed, notFound, sendError } from './respond.js';
import type { Router } from './router.js';

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

export function createHttpServer(router: Router, log: (line: string) => void): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://collector');
    res.on('finish', () => log(`${req.method} ${url.pathname} ${res.statusCode}`));
    allowOrigin(req, res);
    if (req.method === 'OPTIONS') return preflight(req, res);
    const found = router.find(req.method ?? 'GET', url.pathname);
    if ('status' in found) return found.status === 405 ? methodNotAllowed(res, found.allow) : notFound(res, url.pathname);
    Promise.resolve()
      .then(() => found.handler({ req, res, url }))
      .catch((err: unknown) => {
        log(`error: ${(err as Error)?.stack ?? err}`);
        if (!res.headersSent) sendError(res, 500, { code: 'internal', message: 'internal error' });
        else res.destroy();
      });
  });
}
