// Two servers on 127.0.0.1, port 0 each: one serves the bench page and the SDK scripts, the
// other is the counting collector (a different origin, as a collector is on a real site).
import { createServer } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';

const now = () => performance.timeOrigin + performance.now();

/** The marker put on every benchmark event: `bk_<run>_<index>_k`. */
export const TOKEN = /bk_([a-z0-9]+)_(\d+)_k/g;

/** Every readable form of a body: as sent, gunzipped, form fields, base64 fields. */
function readable(buf) {
  const out = [];
  let raw = buf;
  if (raw.length > 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {}
  } else if (raw.length > 2 && raw[0] === 0x78) {
    try {
      raw = inflateSync(raw);
    } catch {}
  }
  const text = raw.toString('utf8');
  out.push(text);
  if (/^[\w.-]+=/.test(text)) {
    for (const value of new URLSearchParams(text).values()) {
      out.push(value);
      if (/^[A-Za-z0-9+/=_-]{8,}$/.test(value)) out.push(Buffer.from(value, 'base64').toString('utf8'));
    }
  }
  return out.join('\n');
}

/** What each SDK expects as a success body. */
function answerFor(sdk, bodyBytes) {
  switch (sdk) {
    case 'amplitude':
      return JSON.stringify({ code: 200, events_ingested: 1, payload_size_bytes: bodyBytes, server_upload_time: Date.now() });
    case 'mixpanel':
      return '1';
    case 'posthog':
      return JSON.stringify({ status: 1 });
    default:
      return '{}';
  }
}

export function createCollector() {
  /** run id → what arrived for it */
  const runs = new Map();
  const stray = [];

  const stateOf = (run, sdk) => {
    let s = runs.get(run);
    if (!s) {
      s = { sdk, requests: [], preflights: 0, tokens: new Map(), tokenHits: 0, lastTokenAt: 0, ids: new Set(), idHits: 0 };
      runs.set(run, s);
    }
    return s;
  };

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      const origin = req.headers.origin;
      const cors = {
        'access-control-allow-origin': origin && origin !== 'null' ? origin : '*',
        'access-control-allow-credentials': 'true',
        vary: 'Origin',
      };
      const [, c, run, sdk, ...rest] = (req.url ?? '/').split('?')[0].split('/');
      if (c !== 'c' || !run || !sdk) {
        stray.push({ at, method: req.method, url: req.url });
        res.writeHead(404, cors).end();
        return;
      }
      const s = stateOf(run, sdk);
      if (req.method === 'OPTIONS') {
        s.preflights++;
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
          'access-control-max-age': '600',
        }).end();
        return;
      }
      const body = Buffer.concat(chunks);
      let headerBytes = `${req.method} ${req.url} HTTP/1.1\r\n`.length + 2;
      for (let i = 0; i < req.rawHeaders.length; i += 2) headerBytes += req.rawHeaders[i].length + req.rawHeaders[i + 1].length + 4;
      const text = readable(body) + '\n' + decodeURIComponent((req.url ?? '').split('?')[1] ?? '');
      const found = new Set();
      for (const m of text.matchAll(TOKEN)) if (m[1] === run) found.add(m[0]);
      for (const t of found) {
        s.tokenHits++;
        if (!s.tokens.has(t)) s.tokens.set(t, at);
        s.lastTokenAt = at;
      }
      let ids = 0;
      if (sdk === 'engage') {
        try {
          for (const e of JSON.parse(body.toString('utf8')).events ?? []) {
            ids++;
            s.idHits++;
            s.ids.add(e.id);
          }
        } catch {}
      }
      s.requests.push({ at, method: req.method, path: '/' + rest.join('/'), bodyBytes: body.length, headerBytes, events: found.size, ids });
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(answerFor(sdk, body.length));
    });
  });

  return {
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    run: (run) => runs.get(run) ?? stateOf(run, '?'),
    stray,
  };
}

/** Serves /page.html and /sdk/<name>.js from memory. */
export function createPageServer(files) {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    const file = files.get(path);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  return {
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`))),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
