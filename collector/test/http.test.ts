// @vitest-environment node
// The collector over HTTP, as a browser (fetch, sendBeacon) and a dashboard see it, on the
// DuckDB store. Needs the build (the collector counts with dist/metrics.js): `npm run build`.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricEvent, MetricName } from 'engage-tracker/metrics';
import { startCollector, type Collector, type CollectorOptions } from '../src/index.js';
import { readStoredRows } from './support/db.js';

const root = mkdtempSync(join(tmpdir(), 'engage-collector-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let db: string;
let lines: string[];
const running: Collector[] = [];
const start = async (options: Partial<CollectorOptions> = {}) => {
  const collector = await startCollector({ db, log: (line) => lines.push(line), statics: {}, ...options });
  running.push(collector);
  return collector;
};
/** The ids stored in the file, once every collector on it is closed. */
const storedIds = async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  return (await readStoredRows(db)).map((r) => r.id);
};

let test = 0;
beforeEach(() => {
  db = join(root, `run-${++test}.duckdb`);
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
const batch = (events: unknown[]) => ({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events });

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
const invalidBatch = (message: string, index?: number) => ({ error: { code: 'invalid_batch', message, ...(index === undefined ? {} : { index }) } });

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
  it('stores a valid batch, answers after the commit, and counts it', async () => {
    const c = await start();
    const events = [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_call_answered', { callId: 'c1', repId: 'rep_1' })];
    expect(await json(post(c, batch(events)))).toEqual({ status: 200, body: { stored: 2, duplicates: 0 } });
    const { body } = await json(fetch(`${c.url}/v1/metrics?by=org`));
    expect(body).toMatchObject([{ orgId: 'org_1', counts: { inbound_call_requested: 1, inbound_call_answered: 1, calls_held: 1 } }]);
    expect(await storedIds()).toEqual(events.map((e) => e.id));
  });

  it('dedupes by (orgId, id), across batches and within one', async () => {
    const c = await start();
    const [a, b, d] = [ev('proactive_chat_attempted', { repId: 'r' }), ev('proactive_chat_accepted', { repId: 'r' }), ev('inbound_call_requested', { callId: 'c1' })];
    expect((await json(post(c, batch([a, b])))).body).toEqual({ stored: 2, duplicates: 0 });
    expect((await json(post(c, batch([b, d, d])))).body).toEqual({ stored: 1, duplicates: 2 });
    expect((await storedIds()).sort()).toEqual([a.id, b.id, d.id].sort());
  });

  it('stores a lone UTF-16 surrogate as U+FFFD, and takes a resend of it as a duplicate', async () => {
    const c = await start();
    const e = ev('proactive_call_attempted', { repId: 'rep\ud800', callId: 'call_1' });
    expect(await json(post(c, batch([e])))).toEqual({ status: 200, body: { stored: 1, duplicates: 0 } });
    expect(await json(post(c, batch([e])))).toEqual({ status: 200, body: { stored: 0, duplicates: 1 } });
    const rows = (await json(fetch(`${c.url}/v1/metrics?by=rep`))).body as { repId: string }[];
    expect(rows.map((r) => r.repId)).toEqual(['rep\ufffd']);
  });

  it('keeps the same id of another org: one org cannot suppress another one’s events', async () => {
    const c = await start();
    const a = ev('inbound_chat_requested');
    expect((await json(post(c, batch([a, { ...a, orgId: 'org_2' }])))).body).toEqual({ stored: 2, duplicates: 0 });
    const orgs = (await json(fetch(`${c.url}/v1/metrics?by=org`))).body.map((r: { orgId: string }) => r.orgId);
    expect(orgs).toEqual(['org_1', 'org_2']);
  });

  it('dedupes batches that arrive at the same time', async () => {
    const c = await start();
    const events = Array.from({ length: 5 }, () => ev('inbound_chat_requested'));
    const answers = await Promise.all(Array.from({ length: 10 }, () => json(post(c, batch(events)))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.reduce((sum, a) => sum + a.body.stored, 0)).toBe(5);
    expect(answers.reduce((sum, a) => sum + a.body.duplicates, 0)).toBe(45);
    expect(await storedIds()).toHaveLength(5);
  });

  it('takes a text/plain body (sendBeacon) as JSON too', async () => {
    const c = await start();
    const e = ev('inbound_chat_requested');
    expect(await json(post(c, batch([e]), 'text/plain;charset=UTF-8'))).toEqual({ status: 200, body: { stored: 1, duplicates: 0 } });
    expect(await storedIds()).toEqual([e.id]);
  });

  it('accepts an empty batch', async () => {
    const c = await start();
    expect(await json(post(c, batch([])))).toEqual({ status: 200, body: { stored: 0, duplicates: 0 } });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const c = await start();
    expect(await json(post(c, '{"sdk":'))).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: 'the body is not valid JSON' } } });
    expect(await json(post(c, ''))).toMatchObject({ status: 400 });
  });

  const good = ev('inbound_chat_requested');
  it.each<[string, unknown, string, number?]>([
    ['an array body', [good], 'the body must be a JSON object'],
    ['no sdk', { sentAt: 'x', events: [] }, 'sdk must be an object'],
    ['no sdk.version', { sdk: { name: 'engage-tracker' }, sentAt: 'x', events: [] }, 'sdk.version must be a string'],
    ['no sentAt', { sdk: { name: 'a', version: '1' }, events: [] }, 'sentAt must be a string'],
    ['events not an array', { ...batch([]), events: {} }, 'events must be an array'],
    ['an event that is not an object', batch([good, 'x']), 'events[1] must be an object', 1],
    ['an unknown metric', batch([good, good, good, { ...good, metric: 'calls_held' }]), 'events[3].metric is not a known metric', 3],
    ['no id', batch([{ ...good, id: undefined }]), 'events[0].id must be a non-empty string', 0],
    ['an empty orgId', batch([{ ...good, orgId: '' }]), 'events[0].orgId must be a non-empty string', 0],
    ['no sessionId', batch([{ ...good, sessionId: 7 }]), 'events[0].sessionId must be a non-empty string', 0],
    ['no page', batch([{ ...good, page: null }]), 'events[0].page must be a string', 0],
    ['a date without a time', batch([{ ...good, occurredAt: '2026-11-24' }]), 'events[0].occurredAt must be an ISO 8601 date-time', 0],
    ['an impossible date', batch([{ ...good, occurredAt: '2026-13-45T99:00:00Z' }]), 'events[0].occurredAt must be an ISO 8601 date-time', 0],
    ['a day the calendar lacks (read as 2 March)', batch([{ ...good, occurredAt: '2026-02-30T00:00:00Z' }]), 'events[0].occurredAt must be an ISO 8601 date-time', 0],
    ['a call metric without callId', batch([ev('inbound_call_requested')]), 'events[0].callId is required on inbound_call_requested', 0],
    ['a chat metric with a callId', batch([{ ...good, callId: 'c1' }]), 'events[0].callId is for call metrics only, not inbound_chat_requested', 0],
    ['a missed metric without reason', batch([ev('inbound_chat_missed')]), 'events[0].reason is required on inbound_chat_missed', 0],
    ['a reason on a metric that is not a miss', batch([{ ...good, reason: 'timeout' }]), 'events[0].reason is for missed metrics only, not inbound_chat_requested', 0],
    ['a repId on a metric not counted per rep', batch([{ ...good, repId: 'r1' }]), 'events[0].repId is for metrics counted per rep, not inbound_chat_requested', 0],
    ['a numeric repId', batch([{ ...good, repId: 7 }]), 'events[0].repId must be a string when present', 0],
    ['a null callId', batch([{ ...good, callId: null }]), 'events[0].callId must be a string when present', 0],
    ['an unknown reason', batch([{ ...good, reason: 'bored' }]), 'events[0].reason must be one of canceled, timeout, ended, session_end', 0],
  ])('answers 400 naming the problem: %s', async (_, body, message, index) => {
    const c = await start();
    expect(await json(post(c, body))).toEqual({ status: 400, body: invalidBatch(message, index) });
  });

  it('stores nothing from a rejected batch, not even its valid events', async () => {
    const c = await start();
    expect((await post(c, batch([ev('inbound_chat_requested'), { ...good, metric: 'nope' }]))).status).toBe(400);
    expect(await storedIds()).toEqual([]);
  });

  it('answers 413 to a body over 1 MiB by its length, and stores nothing', async () => {
    const c = await start();
    const events = Array.from({ length: 6000 }, () => ev('inbound_chat_requested', { page: `/${'x'.repeat(100)}` }));
    const body = JSON.stringify(batch(events));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await post(c, body);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('too_large');
    expect(await storedIds()).toEqual([]);
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
    expect(await storedIds()).toEqual([]);
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

  it('lets the page read the answer to a POST, errors and Retry-After included', async () => {
    const c = await start();
    for (const body of [batch([ev('inbound_chat_requested')]), 'nope']) {
      const res = await post(c, body, 'text/plain', { origin: 'https://b.example' });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://b.example');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true'); // sendBeacon sends credentials
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
      expect(res.headers.get('vary')).toContain('Origin');
    }
  });
});

describe('the DuckDB file', () => {
  it('is reopened on restart, and dedupe still holds', async () => {
    const [a, b, d] = [ev('inbound_call_requested', { callId: 'c1' }), ev('inbound_chat_requested'), ev('inbound_chat_requested')];
    const first = await start();
    await post(first, batch([a, b]));
    await first.close();

    const second = await start();
    expect((await json(post(second, batch([b, d])))).body).toEqual({ stored: 1, duplicates: 1 });
    expect((await storedIds()).sort()).toEqual([a.id, b.id, d.id].sort());
  });

  it('keeps the raw client times beside the corrected one', async () => {
    const c = await start();
    const sentAt = '2026-11-24T15:00:01.000Z';
    const e = ev('inbound_chat_requested');
    const before = Date.now();
    await post(c, { ...batch([e]), sentAt });
    const [row] = await readStoredRowsAfterClose();
    expect(row.clientOccurredAt).toBe(e.occurredAt);
    expect(row.clientSentAt).toBe(sentAt);
    // occurredAt + (received - sentAt): one second before the receive time.
    const corrected = Date.parse(row.occurredAt);
    expect(corrected).toBeGreaterThanOrEqual(before - 1000);
    expect(corrected).toBeLessThanOrEqual(Date.now() - 1000);
  });
});

async function readStoredRowsAfterClose() {
  await Promise.all(running.splice(0).map((c) => c.close()));
  return readStoredRows(db);
}

describe('GET /v1/metrics', () => {
  const events = [
    ev('proactive_call_attempted', { repId: 'rep_1', page: '/a', callId: 'p1' }),
    ev('proactive_call_accepted', { repId: 'rep_1', page: '/a', callId: 'p1' }),
    ev('inbound_call_requested', { page: '/b', callId: 'c1', sessionId: 's2' }),
    ev('inbound_call_answered', { repId: 'rep_2', page: '/b', callId: 'c1', sessionId: 's2' }),
    ev('inbound_chat_requested', { page: '/b', sessionId: 's3' }),
    ev('inbound_chat_requested', { page: '/a', orgId: 'org_2' }),
  ];
  // Sent at the time of the events: no clock correction moves them.
  const sameClock = { sdk: { name: 'engage-tracker', version: '0.1.0' }, events };

  it('by org, rep and page, with the numbers aggregate() gives', async () => {
    const c = await start();
    const sentAt = new Date().toISOString();
    await post(c, { ...sameClock, sentAt, events: events.map((e) => ({ ...e, occurredAt: sentAt })) });
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
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const closed = await get(`by=org&closeSessionsBefore=${later}`);
    expect(closed.map((r: { counts: { inbound_chat_missed: number } }) => r.counts.inbound_chat_missed)).toEqual([1, 1]);
  });

  it.each([
    ['by=team', 'by'],
    ['by=', 'by'],
    ['bucket=fortnight', 'bucket'],
    ['tz=Mars/Olympus', 'tz'],
    ['format=xml', 'format'],
    ['from=yesterday', 'from'],
    ['to=2026-11-24', 'to'],
    ['from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z', 'from'],
    ['by=org&closeSessionsBefore=later', 'closeSessionsBefore'],
  ])('answers 400 naming the parameter to %s', async (query, param) => {
    const c = await start();
    const { status, body } = await json(fetch(`${c.url}/v1/metrics?${query}`));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_param', param });
    expect(body.error.message).toContain(param);
  });

  it('exports CSV with a header row, quoting, and formula cells defused', async () => {
    const c = await start();
    const sentAt = new Date().toISOString();
    const pages = ['/a,b', '=HYPERLINK("x")', '/plain'];
    await post(c, { ...sameClock, sentAt, events: pages.map((page) => ev('inbound_chat_requested', { page, occurredAt: sentAt })) });
    const res = await fetch(`${c.url}/v1/metrics?by=page&format=csv`);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('orgId,page,proactive_call_attempted,proactive_call_accepted,inbound_call_requested,inbound_call_answered,inbound_call_missed,proactive_chat_attempted,proactive_chat_accepted,inbound_chat_requested,inbound_chat_answered,inbound_chat_missed,calls_held,chats_held');
    // Rows in code-unit order of the page: '/' before '='.
    expect(lines.slice(1, 4).map((l) => l.split(',0')[0])).toEqual(['org_1,"/a,b"', 'org_1,/plain', `org_1,"'=HYPERLINK(""x"")"`]);
  });

  it('serves a health check without counts', async () => {
    const c = await start();
    expect(await json(fetch(`${c.url}/healthz`))).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('static files', () => {
  let site: string;
  let sdk: string;
  beforeEach(() => {
    site = join(root, `site-${test}`);
    sdk = join(root, `sdk-${test}`);
    mkdirSync(join(site, 'css'), { recursive: true });
    mkdirSync(sdk, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>demo</title>');
    writeFileSync(join(site, 'css', 'demo.css'), 'body{}');
    writeFileSync(join(sdk, 'metrics.js'), 'export {}');
    writeFileSync(join(root, `secret-${test}.txt`), 'secret');
    symlinkSync(join(root, `secret-${test}.txt`), join(site, 'link.txt'));
  });

  it('serves the demo under /demo/ and the SDK build under /dist/, with content types', async () => {
    const c = await start({ statics: { demo: site, sdkDist: sdk } });
    const index = await fetch(`${c.url}/demo/`);
    expect([index.status, index.headers.get('content-type'), await index.text()]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>demo</title>']);
    expect((await fetch(`${c.url}/demo/css/demo.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const bundle = await fetch(`${c.url}/dist/metrics.js`);
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${c.url}/demo/missing.html`)).status).toBe(404);
    expect((await fetch(`${c.url}/demo/css`)).status).toBe(404);
  });

  it('serves the dashboard folder at /', async () => {
    const c = await start({ statics: { dashboard: site } });
    expect(await (await fetch(`${c.url}/`)).text()).toBe('<!doctype html><title>demo</title>');
  });

  it.each([
    '/demo/../secret.txt',
    '/demo/..%2f..%2fpackage.json',
    '/demo/%2e%2e/%2e%2e/package.json',
    '/demo/css/..%2F..%2F..%2Fetc%2Fpasswd',
    '/dist/..%2f..%2fpackage.json',
    '/dist/..%2fpackage.json',
    '/demo/link.txt',
    '/demo/index.html%00.css',
    '/..%2f..%2fpackage.json',
  ])('refuses %s', async (path) => {
    const c = await start({ statics: { demo: site, sdkDist: sdk, dashboard: site } });
    const res = await raw(c, path);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('"name"');
    expect(res.body).not.toContain('root:');
  });

  it('is GET only', async () => {
    const c = await start({ statics: { demo: site } });
    expect((await raw(c, '/demo/index.html', 'DELETE')).status).toBe(405);
  });

  it('serves nothing from a folder not configured', async () => {
    const c = await start();
    expect((await fetch(`${c.url}/dist/metrics.js`)).status).toBe(404);
    expect((await fetch(`${c.url}/demo/`)).status).toBe(404);
  });
});
