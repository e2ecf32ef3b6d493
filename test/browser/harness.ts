// Real-Chromium harness: a loopback collector that records every request (and can fail or go
// down on demand), a loopback static server for dist/ and test/browser/pages/, and a headless
// Chromium through playwright-core. Only 127.0.0.1 is used; every port is picked by the OS.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../..');
const PAGES = join(here, 'pages');

export const CHROMIUM = '/usr/bin/chromium';
export const ENDPOINT_PATH = '/v1/engage';
/** Where the collector's redirects point: a moved endpoint that answers 2xx without recording a batch. */
export const MOVED_PATH = '/v1/moved';

/** One metric event as it arrives (SPEC section 5); only what the tests look at. */
export interface Received {
  id: string;
  metric: string;
  orgId: string;
  visitorId: string;
  sessionId: string;
  page: string;
  callId?: string;
  repId?: string;
  reason?: string;
  occurredAt: string;
}

export interface Recorded {
  method: string;
  path: string;
  /** What the collector answered; 0 = the socket was destroyed (a network error). */
  status: number;
  contentType: string;
  /** The x-tab request header, when the page sent one. */
  tab?: string;
  /** Body size in bytes. */
  bytes: number;
  /** Event ids in the body, in order (also for failed answers). */
  ids: string[];
  events: Received[];
  /** Milliseconds since the collector started. */
  at: number;
}

export interface Collector {
  url: string;
  origin: string;
  endpoint: string;
  port: number;
  /** Every request, OPTIONS included, in arrival order. */
  requests: Recorded[];
  /** Milliseconds since the collector started: the clock of `Recorded.at`. */
  now(): number;
  /** POSTs to the endpoint only. */
  posts(): Recorded[];
  /** Events of 2xx answers, duplicates included, in order. */
  events(): Received[];
  unique(): Map<string, Received>;
  /** How many received event ids arrived more than once. */
  duplicates(): number;
  /**
   * Answers the next `count` POSTs with `status` (and Retry-After when given; with `location`,
   * a redirect to MOVED_PATH, which answers 2xx to anything, as a moved endpoint would).
   */
  failNext(status: number, opts?: { count?: number; retryAfter?: string; location?: boolean }): void;
  /**
   * Holds the answer to the next POST until the returned release() is called: a batch in
   * flight. Its body counts as received (a real collector has it) once released.
   */
  holdNext(): () => void;
  /** Network errors (socket destroyed, no answer) for every request until up(). */
  down(): void;
  up(): void;
  /** Resolves once `test()` holds after some request; rejects with `label` after `timeoutMs`. */
  until(test: () => boolean, label: string, timeoutMs?: number): Promise<void>;
  /** Resolves once `count` distinct event ids arrived with a 2xx (optionally matching `filter`). */
  uniqueEvents(count: number, label: string, timeoutMs?: number, filter?: (e: Received) => boolean): Promise<void>;
  close(): Promise<void>;
}

const cors = (req: IncomingMessage): Record<string, string> => ({
  'access-control-allow-origin': req.headers.origin ?? '*',
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
  'access-control-expose-headers': 'retry-after',
  'access-control-max-age': '600',
  vary: 'origin',
});

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });

/** Tracks open sockets so close() never waits on a keep-alive connection. */
function closable(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((ok) => {
      for (const s of sockets) s.destroy();
      server.close(() => ok());
    });
}

const listen = (server: Server): Promise<number> =>
  new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port));
  });

/** The loopback collector: POST /v1/engage (JSON whatever the content type), CORS, failure injection. */
export async function startCollector(): Promise<Collector> {
  const t0 = Date.now();
  const requests: Recorded[] = [];
  const planned: { status: number; retryAfter?: string; location?: boolean }[] = [];
  const holds: Promise<void>[] = [];
  const waiters = new Set<() => void>();
  let isDown = false;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const raw = req.method === 'POST' ? await readBody(req).catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
    const body = raw.toString('utf8');
    let events: Received[] = [];
    try {
      const parsed = body ? JSON.parse(body) : undefined;
      if (Array.isArray(parsed?.events)) events = parsed.events;
    } catch {
      /* not JSON: recorded with no events */
    }
    const rec: Recorded = {
      method: req.method ?? '',
      path,
      status: 0,
      contentType: String(req.headers['content-type'] ?? ''),
      tab: req.headers['x-tab'] as string | undefined,
      bytes: raw.length,
      ids: events.map((e) => e.id),
      events: [],
      at: Date.now() - t0,
    };
    requests.push(rec);
    const notify = () => waiters.forEach((w) => w());
    if (isDown) {
      req.socket.destroy();
      return notify();
    }
    if (req.method === 'OPTIONS') {
      rec.status = 204;
      res.writeHead(204, cors(req)).end();
      return notify();
    }
    if (req.method === 'POST' && path === ENDPOINT_PATH) {
      const hold = holds.shift();
      if (hold) {
        notify();
        await hold;
      }
      const plan = planned.shift();
      rec.status = plan?.status ?? 200;
      if (rec.status >= 200 && rec.status < 300) rec.events = events;
      const headers = { ...cors(req), 'content-type': 'application/json' } as Record<string, string>;
      if (plan?.retryAfter) headers['retry-after'] = plan.retryAfter;
      if (plan?.location) headers.location = MOVED_PATH;
      res.writeHead(rec.status, headers).end(JSON.stringify({ accepted: rec.events.length }));
      return notify();
    }
    if (path === MOVED_PATH) {
      rec.status = 200;
      res.writeHead(200, cors(req)).end();
      return notify();
    }
    rec.status = 404;
    res.writeHead(404, cors(req)).end();
    notify();
  });
  server.keepAliveTimeout = 1_000;
  const stop = closable(server);
  const port = await listen(server);
  const origin = `http://127.0.0.1:${port}`;

  const c: Collector = {
    url: origin,
    origin,
    port,
    endpoint: origin + ENDPOINT_PATH,
    requests,
    now: () => Date.now() - t0,
    posts: () => requests.filter((r) => r.method === 'POST' && r.path === ENDPOINT_PATH),
    events: () => requests.flatMap((r) => r.events),
    unique: () => new Map(c.events().map((e) => [e.id, e])),
    duplicates: () => c.events().length - c.unique().size,
    failNext(status, { count = 1, retryAfter, location } = {}) {
      for (let i = 0; i < count; i++) planned.push({ status, retryAfter, location });
    },
    holdNext() {
      let release = () => {};
      holds.push(new Promise<void>((ok) => (release = ok)));
      return () => release();
    },
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    until(test, label, timeoutMs = 20_000) {
      return new Promise<void>((ok, fail) => {
        const check = () => {
          if (!test()) return;
          cleanup();
          ok();
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(new Error(`timed out after ${timeoutMs} ms waiting for ${label}; the collector saw ${requests.length} requests, ${c.unique().size} unique events`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    uniqueEvents(count, label, timeoutMs, filter = () => true) {
      return c.until(() => [...c.unique().values()].filter(filter).length >= count, `${count} unique ${label}`, timeoutMs);
    },
    close: stop,
  };
  return c;
}

export interface Route {
  body: string | Buffer;
  type?: string;
  headers?: Record<string, string>;
  /** Holds the answer back until this settles: a bundle that arrives late. */
  hold?: Promise<unknown>;
}

export interface StaticServer {
  origin: string;
  port: number;
  /** Adds or replaces a route served from memory. */
  route(path: string, route: Route): void;
  /** Paths requested so far, in order. */
  served: string[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.sri': 'text/plain',
};

/**
 * dist/ as it is when the suite starts, kept in memory: a build running meanwhile (another
 * terminal) cannot serve half a bundle or a snippet whose SRI hash belongs to another build.
 */
let distSnapshot: Promise<Map<string, Buffer>> | undefined;
let distFiles: Map<string, Buffer> | undefined;

export function loadDist(): Promise<Map<string, Buffer>> {
  return (distSnapshot ??= (async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        const files = new Map<string, Buffer>();
        for (const name of ['engage-tracker.min.js', 'engage-tracker.debug.js', 'snippet.min.js', 'engage-tracker.min.js.sri']) {
          files.set(name, readFileSync(join(ROOT, 'dist', name)));
        }
        const sri = 'sha384-' + createHash('sha384').update(files.get('engage-tracker.min.js') as Buffer).digest('base64');
        if (!String(files.get('snippet.min.js')).includes(sri)) throw new Error("dist/snippet.min.js carries another build's SRI hash");
        return (distFiles = files);
      } catch (err) {
        // A concurrent `npm run build` empties dist/ first: give it time to finish.
        if (attempt >= 120) throw new Error(`dist/ is missing or mid-build: run \`npm run build\` first (${String(err)})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })());
}

/** The snapshot taken by loadDist() (startStatic() takes it). */
export function dist(): Map<string, Buffer> {
  if (!distFiles) throw new Error('call loadDist() (or startStatic()) first');
  return distFiles;
}

/** Serves /dist/* (the snapshot), /pages/* (test/browser/pages) and in-memory routes. */
export async function startStatic(routes: Record<string, Route> = {}): Promise<StaticServer> {
  await loadDist();
  const table = new Map(Object.entries(routes));
  const pages = new Set(readdirSync(PAGES));
  const served: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    served.push(path);
    const send = (r: Route) => {
      const go = () => res.writeHead(200, { 'content-type': r.type ?? 'text/plain', 'cache-control': 'no-store', ...r.headers }).end(r.body);
      if (r.hold) void r.hold.then(go, go);
      else go();
    };
    const route = table.get(path);
    if (route) return send(route);
    const [, dir, name] = /^\/(dist|pages)\/([\w.-]+)$/.exec(path) ?? [];
    const type = TYPES[extname(name ?? '')];
    if (dir === 'dist' && type && dist().has(name)) return send({ body: dist().get(name) as Buffer, type });
    if (dir === 'pages' && type && pages.has(name)) return send({ body: readFileSync(join(PAGES, name)), type });
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  const stop = closable(server);
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, port, served, route: (path, r) => void table.set(path, r), close: stop };
}

export const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
}

/** The bundle's loader snippet, pointed at `bundleUrl`. */
export function snippetFor(bundleUrl: string): string {
  const text = String(dist().get('snippet.min.js'));
  const placeholder = 'https://cdn.example.com/engage-tracker.min.js';
  if (!text.includes(placeholder)) throw new Error('dist/snippet.min.js no longer carries the placeholder URL');
  return text.replace(placeholder, bundleUrl);
}

export interface AppOptions {
  org: string;
  endpoint: string;
  flushIntervalMs?: number;
  batchSize?: number;
  allowedOrigins?: string[];
  /** Sent as the x-tab header, so the collector knows which tab sent a batch. */
  tab?: string;
  debug?: boolean;
  page?: AppPage;
  /** IndexedDB whose open() throws, or whose connections the test can close (see app.js). */
  idb?: 'throw' | 'spy';
  /** Records the page's fetch() calls in window.fetchCalls (see app.js). */
  fetches?: boolean;
}

/** A page() option for app.js: long page names, /blog/* grouped, or one that throws. */
export type AppPage = 'long' | 'group' | 'throw';

/**
 * URL of pages/app.html, which loads the bundle and starts a tracker from its query string;
 * with `debug`, of pages/app-debug.html, which loads the debug build (the one that logs).
 */
export function appUrl(server: StaticServer, o: AppOptions): string {
  const q = new URLSearchParams({ org: o.org, endpoint: o.endpoint });
  if (o.flushIntervalMs !== undefined) q.set('flush', String(o.flushIntervalMs));
  if (o.batchSize !== undefined) q.set('batch', String(o.batchSize));
  if (o.allowedOrigins) q.set('allowed', o.allowedOrigins.join(','));
  if (o.tab) q.set('tab', o.tab);
  if (o.debug) q.set('debug', '1');
  if (o.page) q.set('page', o.page);
  if (o.idb) q.set('idb', o.idb);
  if (o.fetches) q.set('fetches', '1');
  return `${server.origin}/pages/${o.debug ? 'app-debug' : 'app'}.html?${q}`;
}

/** URL of pages/app.html starting a tracker from any options (as JSON), with no short-hands. */
export function appUrlWith(server: StaticServer, options: object, page?: AppPage): string {
  const q = new URLSearchParams({ o: JSON.stringify(options) });
  if (page) q.set('page', page);
  return `${server.origin}/pages/app.html?${q}`;
}

/** What pages/app.js puts on window. */
export interface AppWindow {
  tracker: { track(e: object): void; flush(): Promise<void>; endSession(): Promise<void>; shutdown(): Promise<void> };
  trackerErrors: { code: string; message: string; name: string; isTrackerError: boolean }[];
  /** Uncaught errors and unhandled rejections on the page. */
  pageErrors: string[];
}

/** Opens `url` (an app.html URL) and waits for its tracker. */
async function openAppAt(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => 'tracker' in window);
  return page;
}

/** Opens app.html and waits for its tracker. */
export const openApp = (context: BrowserContext, server: StaticServer, o: AppOptions): Promise<Page> => openAppAt(context, appUrl(server, o));

/** Opens app.html with any tracker options and waits for its tracker. */
export const openAppWith = (context: BrowserContext, server: StaticServer, options: object, page?: AppPage): Promise<Page> =>
  openAppAt(context, appUrlWith(server, options, page));

/** The tracker's error codes on this page. */
export const errorCodes = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as AppWindow).trackerErrors.map((e) => e.code));

/**
 * Runs in the page (every engine's harness passes it to its evaluate): adds an iframe of the
 * test widget at `src` and resolves once the page has received the message it posts for
 * `callId`.
 */
export function embedWidget({ src, callId }: { src: string; callId: string }): Promise<void> {
  return new Promise<void>((done) => {
    addEventListener('message', function seen(e) {
      if ((e.data as { widgetPosted?: string })?.widgetPosted !== callId) return;
      removeEventListener('message', seen);
      done();
    });
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  });
}

/**
 * Runs in the page (every engine's harness passes it to its evaluate): resolves once the
 * IndexedDB database `name` holds at least `count` outbox events, with how many it holds.
 */
export async function outboxAtLeast({ name, count, timeoutMs }: { name: string; count: number; timeoutMs: number }): Promise<number> {
  const size = () =>
    new Promise<number>((ok, fail) => {
      const open = indexedDB.open(name);
      open.onerror = () => fail(open.error);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('outbox')) return db.close(), ok(0);
        const req = db.transaction('outbox').objectStore('outbox').count();
        req.onsuccess = () => (db.close(), ok(req.result));
        req.onerror = () => (db.close(), fail(req.error));
      };
    });
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await size();
    if (n >= count) return n;
    if (Date.now() > until) throw new Error(`the outbox holds ${n} events, not ${count}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves once the IndexedDB outbox of `org` holds at least `count` events (read from the page). */
export const outboxHolds = (page: Page, org: string, count: number, timeoutMs = 10_000): Promise<number> =>
  page.evaluate(outboxAtLeast, { name: `engage-tracker:${org}`, count, timeoutMs });

/** call.requested events c0..c{n-1} with a prefix: one inbound_call_requested each. */
export const callIds = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Summary line every browser test prints. */
export function countLine(name: string, tracked: number, c: Collector, extra = ''): string {
  const line = `[${name}] tracked ${tracked}, received ${c.unique().size} unique, ${c.duplicates()} duplicates, ${c.posts().length} POSTs${extra ? ', ' + extra : ''}`;
  console.log(line);
  return line;
}

export interface Suite {
  browser: Browser;
  /** Serves the host pages. */
  web: StaticServer;
  /** A new context per test: a new, empty profile (IndexedDB, localStorage, cookies). */
  context: BrowserContext;
  /** A new collector per test. */
  c: Collector;
}

/** One browser and one static server per file; a fresh context and collector per test. */
export function browserSuite(): Suite {
  const s = {} as Suite;
  beforeAll(async () => {
    [s.browser, s.web] = await Promise.all([launch(), startStatic()]);
  }, 90_000); // startStatic() waits out a concurrent `npm run build`
  afterAll(async () => {
    await s.browser?.close();
    await s.web?.close();
  });
  beforeEach(async () => {
    [s.context, s.c] = await Promise.all([s.browser.newContext(), startCollector()]);
  });
  afterEach(async () => {
    await s.context?.close();
    await s.c?.close();
  });
  return s;
}

/** Tracks call.requested for each id on the page, all in one task. */
export const trackCalls = (page: Page, ids: string[]) =>
  page.evaluate((ids) => {
    const { tracker } = window as unknown as AppWindow;
    for (const callId of ids) tracker.track({ type: 'call.requested', callId });
  }, ids);

export const flush = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).tracker.flush());

export const withPrefix = (prefix: string) => (e: { callId?: string }) => !!e.callId?.startsWith(prefix + '-');

/** Ids that arrived (2xx) more than once. */
export function duplicatedIds(c: Collector): string[] {
  const counts = new Map<string, number>();
  for (const e of c.events()) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

/** A navigation started by the evaluated code may tear its context down before it answers. */
export const navigating = (err: unknown) => {
  if (!/context was destroyed|navigat/i.test(String(err))) throw err;
};
