// A loopback stand-in for the collector's read side, for the dashboard states the real one
// cannot be asked to show on demand (a token wanted, a slow or failing answer): it serves the
// built page with the collector's strict CSP and answers /v1/session and /v1/metrics with
// whatever the test says.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join } from 'node:path';
import { DASHBOARD_DIR, STRICT_CSP } from './page';

export interface StubAnswer {
  status: number;
  body: unknown;
  /** Held back until this settles. */
  hold?: Promise<unknown>;
}

export interface StubCollector {
  url: string;
  /** Requests to /v1/*, with their Authorization header. */
  seen: { path: string; authorization?: string }[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export async function startStub(answer: (req: IncomingMessage, url: URL) => StubAnswer): Promise<StubCollector> {
  const seen: StubCollector['seen'] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (url.pathname.startsWith('/v1/')) {
      seen.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
      const a = answer(req, url);
      if (a.hold) await a.hold.catch(() => undefined);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      if (a.status === 401) headers['www-authenticate'] = 'Bearer';
      res.writeHead(a.status, headers).end(JSON.stringify(a.body));
      return;
    }
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const type = TYPES[extname(name)];
    if (!type || name.includes('/')) return void res.writeHead(404).end();
    try {
      const body = readFileSync(join(DASHBOARD_DIR, name));
      res.writeHead(200, { 'content-type': type, 'content-security-policy': STRICT_CSP }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
