// @vitest-environment node
// examples/collector: what a browser (fetch, sendBeacon) and a dashboard see over HTTP.
// Needs the build (the collector counts with dist/metrics.js): `npm run build` first.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type Collector, type CollectorOptions } from '../examples/collector/server.mjs';
import type { MetricEvent, MetricName } from '../src/metric-event';

const root = mkdtempSync(join(tmpdir(), 'engage-collector-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dataFile: string;
let lines: string[];
const running: Collector[] = [];
const start = async (options: Partial<CollectorOptions> = {}) => {
  const collector = await startCollector({ dataFile, log: (line) => lines.push(line), ...options });
  running.push(collector);
  return collector;
};

let test = 0;
beforeEach(() => {
  // A fresh folder that does not exist yet: the collector creates it.
  dataFile = join(root, `run-${++test}`, 'data', 'events.ndjson');
  lines = [];
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
});

let lastId = 0;
const ev = (metric: MetricName, fields: Partial<MetricEvent> = {}): MetricEvent => ({
  id: `id-${++lastId}`,
  metric,
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: 's1',
  page: '/pricing',
  occurredAt: '2026-11-24T15:00:00.000Z',
  ...fields,
});
const batch = (events: unknown[]) => ({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: '2026-11-24T15:00:01.000Z', events });

const post = (c: Collector, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}) =>
  fetch(`${c.url}/v1/engage`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const json = async (res: Response | Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: await r.json() };
};
const storedLines = () => readFileSync(dataFile, 'utf8').split('\n').filter(Boolean);

/** A raw request: fetch would normalize `..` out of the path, and always sends a length. */
function raw(c: Collector, path: string, method = 'GET') {
  return new Promise<{ status: number; body: string }>((done, fail) => {
    const req = request(`${c.url}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail).end();
  });
}

describe('POST /v1/engage', () => {
  it('stores a valid batch and counts it', async () => {
    const c = await start();
    const events = [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_answered', { callId: 'c1', repId: 'rep_1' })];
    expect(await json(post(c, batch(events)))).toEqual({ status: 200, body: { accepted: 2, duplicates: 0 } });
    expect(c.events()).toEqual(events);
    expect(storedLines().map((line) => JSON.parse(line))).toEqual(events);
    const { body } = await json(fetch(`${c.url}/v1/metrics?by=org`));
    expect(body).toMatchObject([{ orgId: 'org_1', counts: { inbound_call_requested: 1, inbound_call_answered: 1, calls_held: 1 } }]);
  });

  it('dedupes by id, across batches and within one', async () => {
    const c = await start();
    const [a, b, d] = [ev('proactive_chat_attempted', { repId: 'r' }), ev('proactive_chat_accepted', { repId: 'r' }), ev('inbound_call_requested')];
    expect((await json(post(c, batch([a, b])))).body).toEqual({ accepted: 2, duplicates: 0 });
    expect((await json(post(c, batch([b, d, d])))).body).toEqual({ accepted: 1, duplicates: 2 });
    expect(c.events().map((e) => e.id)).toEqual([a.id, b.id, d.id]);
    expect(storedLines()).toHaveLength(3);
  });

  it('dedupes batches that arrive at the same time', async () => {
    const c = await start();
    const events = Array.from({ length: 5 }, () => ev('inbound_chat_requested'));
    const answers = await Promise.all(Array.from({ length: 10 }, () => json(post(c, batch(events)))));
    expect(answers.reduce((sum, a) => sum + a.body.accepted, 0)).toBe(5);
    expect(storedLines()).toHaveLength(5);
  });

  it('takes a text/plain body (sendBeacon) as JSON too', async () => {
    const c = await start();
    const e = ev('inbound_chat_requested');
    expect(await json(post(c, batch([e]), 'text/plain;charset=UTF-8'))).toEqual({ status: 200, body: { accepted: 1, duplicates: 0 } });
    expect(c.events()).toEqual([e]);
  });

  it('accepts an empty batch', async () => {
    const c = await start();
    expect(await json(post(c, batch([])))).toEqual({ status: 200, body: { accepted: 0, duplicates: 0 } });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const c = await start();
    expect(await json(post(c, '{"sdk":'))).toEqual({ status: 400, body: { error: 'the body is not valid JSON' } });
    expect(await json(post(c, ''))).toMatchObject({ status: 400 });
  });

  const good = ev('inbound_chat_requested');
  it.each<[string, unknown, string]>([
    ['an array body', [good], 'the body must be a JSON object'],
    ['no sdk', { sentAt: 'x', events: [] }, 'sdk must be an object'],
    ['no sdk.version', { sdk: { name: 'engage-tracker' }, sentAt: 'x', events: [] }, 'sdk.version must be a string'],
    ['no sentAt', { sdk: { name: 'a', version: '1' }, events: [] }, 'sentAt must be a string'],
    ['events not an array', { ...batch([]), events: {} }, 'events must be an array'],
    ['an event that is not an object', batch([good, 'x']), 'events[1] must be an object'],
    ['an unknown metric', batch([good, good, good, { ...good, metric: 'calls_held' }]), 'events[3].metric is not a known metric'],
    ['no id', batch([{ ...good, id: undefined }]), 'events[0].id must be a non-empty string'],
    ['an empty orgId', batch([{ ...good, orgId: '' }]), 'events[0].orgId must be a non-empty string'],
    ['no sessionId', batch([{ ...good, sessionId: 7 }]), 'events[0].sessionId must be a non-empty string'],
    ['no page', batch([{ ...good, page: null }]), 'events[0].page must be a string'],
    ['a date without a time', batch([{ ...good, occurredAt: '2026-11-24' }]), 'events[0].occurredAt must be an ISO 8601 date-time'],
    ['an impossible date', batch([{ ...good, occurredAt: '2026-13-45T99:00:00Z' }]), 'events[0].occurredAt must be an ISO 8601 date-time'],
    ['a numeric repId', batch([{ ...good, repId: 7 }]), 'events[0].repId must be a string when present'],
    ['a null callId', batch([{ ...good, callId: null }]), 'events[0].callId must be a string when present'],
    ['an unknown reason', batch([{ ...good, reason: 'bored' }]), 'events[0].reason must be one of canceled, timeout, ended, session_end'],
  ])('answers 400 naming the problem: %s', async (_, body, error) => {
    const c = await start();
    expect(await json(post(c, body))).toEqual({ status: 400, body: { error } });
  });

  it('stores nothing from a rejected batch, not even its valid events', async () => {
    const c = await start();
    expect((await post(c, batch([ev('inbound_chat_requested'), { ...good, metric: 'nope' }]))).status).toBe(400);
    expect(c.events()).toEqual([]);
  });

  it('answers 413 to a body over 1 MiB by its length, and stores nothing', async () => {
    const c = await start();
    const events = Array.from({ length: 6000 }, () => ev('inbound_chat_requested', { page: `/${'x'.repeat(100)}` }));
    const body = JSON.stringify(batch(events));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await post(c, body);
    expect(res.status).toBe(413);
    expect(c.events()).toEqual([]);
  });

  it('answers 413 to a streamed body once it passes 1 MiB, without reading the rest', async () => {
    const c = await start();
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let sent = 0;
    const status = await new Promise<number>((done, fail) => {
      // No content-length: the collector only finds out by counting.
      const req = request(`${c.url}/v1/engage`, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', () => {}); // the collector hangs up once it has answered
      const pump = () => {
        while (sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        fail(new Error('the collector read 64 MiB without answering'));
      };
      req.write('{"events": [');
      pump();
    });
    expect(status).toBe(413);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(c.events()).toEqual([]);
  });

  it('answers 405 to other methods', async () => {
    const c = await start();
    const res = await fetch(`${c.url}/v1/engage`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('CORS', () => {
  it('answers a preflight from any origin with 204, the requested headers and a max age', async () => {
    const c = await start();
    const res = await fetch(`${c.url}/v1/engage`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-engage-key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-engage-key');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('reflects only header names, never other text', async () => {
    const c = await start();
    const res = await fetch(`${c.url}/v1/engage`, {
      method: 'OPTIONS',
      headers: { origin: 'https://a.example', 'access-control-request-headers': 'content-type, <script>' },
    });
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('lets the page read the answer to a POST, errors included', async () => {
    const c = await start();
    for (const body of [batch([ev('inbound_chat_requested')]), 'nope']) {
      const res = await post(c, body, 'text/plain', { origin: 'https://b.example' });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://b.example');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true'); // sendBeacon sends credentials
      expect(res.headers.get('vary')).toContain('Origin');
    }
  });
});

describe('the event log', () => {
  it('is reloaded on restart, and dedupe still holds', async () => {
    const [a, b, d] = [ev('inbound_call_requested'), ev('inbound_chat_requested'), ev('inbound_chat_requested')];
    const first = await start();
    await post(first, batch([a, b]));
    await first.close();

    const second = await start();
    expect(second.events()).toEqual([a, b]);
    expect((await json(post(second, batch([b, d])))).body).toEqual({ accepted: 1, duplicates: 1 });
    expect(storedLines()).toHaveLength(3);
  });

  it('skips unreadable lines and lines that are not metric events', async () => {
    const [a, b] = [ev('inbound_call_requested'), ev('inbound_chat_requested')];
    mkdirSync(join(dataFile, '..'), { recursive: true });
    writeFileSync(dataFile, [JSON.stringify(a), '{"id":"torn', '', JSON.stringify({ ...b, metric: 'nope' }), JSON.stringify(b), JSON.stringify(a)].join('\n') + '\n');
    const c = await start();
    expect(c.events()).toEqual([a, b]);
    expect(lines.some((line) => line.includes('skipped 2'))).toBe(true);
  });

  it('starts a fresh line after a torn last line, so the next event is not lost', async () => {
    const [a, b] = [ev('inbound_call_requested'), ev('inbound_chat_requested')];
    mkdirSync(join(dataFile, '..'), { recursive: true });
    writeFileSync(dataFile, JSON.stringify(a) + '\n{"id":"half-writ');
    const first = await start();
    await post(first, batch([b]));
    await first.close();
    expect((await start()).events()).toEqual([a, b]);
  });
});

describe('GET /v1/metrics', () => {
  const events = [
    ev('proactive_call_attempted', { repId: 'rep_1', page: '/a', callId: 'p1' }),
    ev('proactive_call_accepted', { repId: 'rep_1', page: '/a', callId: 'p1' }),
    ev('inbound_call_requested', { page: '/b', callId: 'c1', sessionId: 's2' }),
    ev('inbound_call_answered', { repId: 'rep_2', page: '/b', callId: 'c1', sessionId: 's2' }),
    ev('inbound_chat_requested', { page: '/b', sessionId: 's3' }),
    ev('inbound_chat_requested', { page: '/a', orgId: 'org_2' }),
  ];

  it('by org, rep and page, with the numbers aggregate() gives', async () => {
    const c = await start();
    await post(c, batch(events));
    const get = async (query: string) => (await json(fetch(`${c.url}/v1/metrics?${query}`))).body;

    const byOrg = await get('by=org');
    expect(byOrg.map((r: { orgId: string }) => r.orgId)).toEqual(['org_1', 'org_2']);
    expect(byOrg[0].counts).toMatchObject({ proactive_call_attempted: 1, proactive_call_accepted: 1, inbound_call_requested: 1, inbound_call_answered: 1, inbound_chat_requested: 1, calls_held: 2, chats_held: 0 });
    expect(byOrg[1].counts).toMatchObject({ inbound_chat_requested: 1, calls_held: 0 });

    const byRep = await get('by=rep');
    expect(byRep.map((r: { repId: string; counts: object }) => [r.repId, r.counts])).toEqual([
      ['rep_1', expect.objectContaining({ proactive_call_attempted: 1, calls_held: 1 })],
      ['rep_2', expect.objectContaining({ inbound_call_answered: 1, calls_held: 1 })],
    ]);
    expect(byRep[0].counts).not.toHaveProperty('inbound_call_requested');

    const byPage = await get('by=page');
    expect(byPage.map((r: { orgId: string; page: string; counts: { calls_held: number } }) => [r.orgId, r.page, r.counts.calls_held])).toEqual([
      ['org_1', '/a', 1],
      ['org_1', '/b', 1],
      ['org_2', '/a', 0],
    ]);

    // Both unanswered chat requests are in sessions long over.
    const closed = await get('by=org&closeSessionsBefore=2026-11-25T00:00:00.000Z');
    expect(closed.map((r: { counts: { inbound_chat_missed: number } }) => r.counts.inbound_chat_missed)).toEqual([1, 1]);
  });

  it.each(['by=team', 'by=', 'by=org&closeSessionsBefore=later'])('answers 400 to %s', async (query) => {
    const c = await start();
    const { status, body } = await json(fetch(`${c.url}/v1/metrics?${query}`));
    expect(status).toBe(400);
    expect(body.error).toMatch(/by must be one of org, rep, page|closeSessionsBefore/);
  });

  it('serves the stored events and a health check', async () => {
    const c = await start();
    await post(c, batch(events.slice(0, 2)));
    expect((await json(fetch(`${c.url}/v1/events`))).body).toEqual(events.slice(0, 2));
    expect((await json(fetch(`${c.url}/healthz`))).body).toEqual({ ok: true, events: 2 });
  });
});

describe('static files (staticDir)', () => {
  let site: string;
  beforeEach(() => {
    site = join(root, `site-${test}`);
    mkdirSync(join(site, 'css'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(site, 'css', 'demo.css'), 'body{}');
    writeFileSync(join(root, `secret-${test}.txt`), 'secret');
    symlinkSync(join(root, `secret-${test}.txt`), join(site, 'link.txt'));
  });

  it('serves the folder under / and the build under /dist/, with content types', async () => {
    const c = await start({ staticDir: site });
    const index = await fetch(`${c.url}/`);
    expect([index.status, index.headers.get('content-type'), await index.text()]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>demo</title>']);
    expect((await fetch(`${c.url}/css/demo.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const bundle = await fetch(`${c.url}/dist/metrics.js`);
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${c.url}/missing.html`)).status).toBe(404);
    expect((await fetch(`${c.url}/css`)).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/css/..%2F..%2F..%2Fetc%2Fpasswd',
    '/dist/..%2f..%2fpackage.json',
    '/dist/..%2fpackage.json',
    '/link.txt',
    '/index.html%00.css',
  ])('refuses %s', async (path) => {
    const c = await start({ staticDir: site });
    const res = await raw(c, path);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('"name"');
    expect(res.body).not.toContain('root:');
  });

  it('is GET only', async () => {
    const c = await start({ staticDir: site });
    expect((await raw(c, '/index.html', 'DELETE')).status).toBe(405);
  });

  it('is off without staticDir', async () => {
    const c = await start();
    expect((await fetch(`${c.url}/dist/metrics.js`)).status).toBe(404);
  });
});

describe('test hooks', () => {
  it('failNext answers the next POSTs with a status and Retry-After, storing nothing', async () => {
    const c = await start();
    c.failNext(503, { retryAfter: 2, times: 2 });
    const e = ev('inbound_chat_requested');
    for (let i = 0; i < 2; i++) {
      const res = await post(c, batch([e]));
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '2']);
    }
    expect(c.events()).toEqual([]);
    expect((await post(c, batch([e]))).status).toBe(200);
    expect(c.events()).toEqual([e]);
  });

  it('requests lists every POST with its content type, event ids and status', async () => {
    const c = await start();
    const [a, b] = [ev('inbound_chat_requested'), ev('inbound_call_requested')];
    c.failNext(429);
    await post(c, batch([a]), 'text/plain');
    await post(c, batch([a, b]));
    await post(c, 'junk');
    expect(c.requests().map((r) => [r.contentType, r.ids, r.status])).toEqual([
      ['text/plain', [a.id], 429],
      ['application/json', [a.id, b.id], 200],
      ['application/json', [], 400],
    ]);
    expect(c.requests()[0].at).toBeTypeOf('number');
  });
});
