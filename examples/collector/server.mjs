// An example collector for engage-tracker: Node's own http, no framework. It takes batches
// (SPEC section 5) from any website, stores each metric event once in an NDJSON log and
// serves the metric tables computed by the SDK's aggregation module. Needs `npm run build`.
//
//   node examples/collector/server.mjs        PORT (8787), HOST, DATA_FILE, STATIC_DIR
//
//   POST /v1/engage                   a batch; JSON or text/plain (beacons) alike
//   GET  /v1/metrics?by=org|rep|page  rows from aggregate(); optional closeSessionsBefore=<ISO>
//   GET  /v1/events                   every stored event
//   GET  /healthz
//   GET  /dist/*, /*                  with staticDir only: the build and the demo page
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBatch } from './batch.mjs';
import { openEventLog } from './event-log.mjs';
import { aggregate } from './metrics.mjs';
import { sendFile } from './static-files.mjs';

/** @typedef {import('../../src/metric-event').MetricEvent} MetricEvent */
/** @typedef {{ at: number, contentType: string | undefined, ids: string[], status: number }} ReceivedRequest */

export const MAX_BODY_BYTES = 1024 * 1024;
const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));
const DIMENSIONS = ['org', 'rep', 'page'];
// Request header names only: anything else is not reflected back.
const HEADER_LIST = /^[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/;

/**
 * Starts a collector; resolves once it listens.
 * @param {{ port?: number, host?: string, dataFile: string, staticDir?: string, log?: (line: string) => void }} options
 */
export async function startCollector({ port = 0, host = '127.0.0.1', dataFile, staticDir, log = () => {} }) {
  if (typeof dataFile !== 'string') throw new TypeError('startCollector: dataFile must be a path');
  const store = await openEventLog(resolve(dataFile));
  const staticRoot = staticDir && resolve(staticDir);
  if (store.skipped) log(`skipped ${store.skipped} unreadable line(s) in ${dataFile}`);
  /** @type {ReceivedRequest[]} */
  const received = [];
  /** @type {{ status: number, retryAfter?: number }[]} */
  const failures = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`error: ${err?.stack ?? err}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://collector');
    res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode}`));
    allowOrigin(req, res);

    if (req.method === 'OPTIONS') return preflight(req, res);
    if (url.pathname === '/v1/engage') {
      return req.method === 'POST' ? receiveBatch(req, res) : notAllowed(res, 'POST, OPTIONS');
    }
    if (req.method !== 'GET') return notAllowed(res, 'GET, OPTIONS');
    if (url.pathname === '/v1/metrics') return sendMetrics(url, res);
    if (url.pathname === '/v1/events') return sendJson(res, 200, store.events);
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true, events: store.events.length });
    if (staticRoot && url.pathname.startsWith('/dist/')) return sendFile(res, DIST_DIR, url.pathname.slice('/dist'.length));
    if (staticRoot) return sendFile(res, staticRoot, url.pathname);
    return sendJson(res, 404, { error: `no route for GET ${url.pathname}` });
  }

  /** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
  async function receiveBatch(req, res) {
    const record = { at: Date.now(), contentType: req.headers['content-type'], ids: [], status: 0 };
    received.push(record);
    const answer = (status, body, headers) => {
      record.status = status;
      sendJson(res, status, body, headers);
    };

    const raw = await readBody(req, MAX_BODY_BYTES);
    if (raw === undefined) {
      // Connection: close, as the rest of the body stays unread.
      return answer(413, { error: `the body is over ${MAX_BODY_BYTES} bytes` }, { Connection: 'close' });
    }
    // JSON whatever the content type: a beacon sends text/plain to avoid a preflight.
    let body;
    let isJson = true;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      isJson = false;
    }
    if (Array.isArray(body?.events)) record.ids = body.events.map((e) => e?.id).filter((id) => typeof id === 'string');

    const failure = failures.shift();
    if (failure) {
      const headers = failure.retryAfter === undefined ? {} : { 'Retry-After': String(failure.retryAfter) };
      return answer(failure.status, { error: `failNext(${failure.status})` }, headers);
    }
    if (!isJson) return answer(400, { error: 'the body is not valid JSON' });
    const batch = checkBatch(body);
    if ('error' in batch) return answer(400, { error: batch.error });
    answer(200, await store.append(batch.events));
  }

  /** @param {URL} url @param {import('node:http').ServerResponse} res */
  function sendMetrics(url, res) {
    const by = url.searchParams.get('by') ?? 'org'; // the table a dashboard shows first
    if (!DIMENSIONS.includes(by)) return sendJson(res, 400, { error: `by must be one of ${DIMENSIONS.join(', ')}` });
    const close = url.searchParams.get('closeSessionsBefore');
    const closeSessionsBefore = close === null ? undefined : new Date(close);
    if (closeSessionsBefore && Number.isNaN(closeSessionsBefore.getTime())) {
      return sendJson(res, 400, { error: 'closeSessionsBefore must be a date-time' });
    }
    sendJson(res, 200, aggregate(store.events, { by, closeSessionsBefore }));
  }

  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    port: address.port,
    /** Stops listening, drops open connections and waits for pending writes. */
    async close() {
      await new Promise((done) => {
        server.close(() => done(undefined));
        server.closeAllConnections();
      });
      await store.settled();
    },
    /** @returns {MetricEvent[]} a copy of every stored event */
    events: () => [...store.events],
    /**
     * Test hook: the next `times` POSTs to /v1/engage answer `status` (with Retry-After in
     * seconds when given) and store nothing.
     * @param {number} status @param {{ retryAfter?: number, times?: number }} [options]
     */
    failNext(status, { retryAfter, times = 1 } = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter });
    },
    /** Test hook: every POST to /v1/engage so far, with the ids its body named. */
    requests: () => received.map((r) => ({ ...r, ids: [...r.ids] })),
  };
}

/**
 * Reads the body, up to `limit` bytes. Past it, stops reading and resolves undefined, without
 * holding on to what came.
 * @param {import('node:http').IncomingMessage} req @param {number} limit
 * @returns {Promise<Buffer | undefined>}
 */
function readBody(req, limit) {
  return new Promise((done, fail) => {
    if (Number(req.headers['content-length']) > limit) return done(undefined);
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).pause();
      chunks.length = 0;
      done(undefined);
    };
    req.on('data', onData);
    req.on('end', () => done(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/**
 * Any website may send: the tracker runs on customers' sites. The collector sets no cookies
 * and knows no users, so reflecting the origin with credentials (sendBeacon always sends
 * them) gives a page nothing it could not already read.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 */
function allowOrigin(req, res) {
  res.setHeader('Vary', 'Origin');
  if (!req.headers.origin) return;
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
function preflight(req, res) {
  const asked = req.headers['access-control-request-headers'] ?? '';
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': HEADER_LIST.test(asked) ? asked : 'content-type',
    'Access-Control-Max-Age': '7200', // Chromium's cap
    Vary: 'Origin, Access-Control-Request-Headers',
  });
  res.end();
}

/** @param {import('node:http').ServerResponse} res @param {string} allow */
function notAllowed(res, allow) {
  sendJson(res, 405, { error: `method not allowed; use ${allow}` }, { Allow: allow });
}

/**
 * @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

// Run directly: start with the environment's settings and stop cleanly on Ctrl+C.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const collector = await startCollector({
    port: Number(process.env.PORT ?? 8787),
    host: process.env.HOST ?? '127.0.0.1',
    dataFile: process.env.DATA_FILE ?? fileURLToPath(new URL('./data/events.ndjson', import.meta.url)),
    staticDir: process.env.STATIC_DIR,
    log: (line) => console.log(line),
  });
  console.log(`engage collector listening on ${collector.url} (POST ${collector.url}/v1/engage)`);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => collector.close().then(() => process.exit(0)));
  }
}
