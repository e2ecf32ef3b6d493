// @vitest-environment node
// A collector with a config file (issue 18), over HTTP: the ingest checks in their order with
// their bodies, keys and rotation, read tokens and org scoping, rate limits, the operator's
// routes, security headers and the request log. Needs the build (`npm run build`).
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAccessCommand } from '../src/auth/commands.js';
import { startCollector, type Collector, type CollectorOptions } from '../src/index.js';
import { batch, ev, makeConfig, type TestConfig } from './support/access.js';
import { readStoredRows } from './support/db.js';

let cfg: TestConfig;
let lines: string[];
let dbCount = 0;
const running: Collector[] = [];
const start = async (options: Partial<CollectorOptions> = {}) => {
  const collector = await startCollector({ db: join(cfg.dir, `db-${++dbCount}.duckdb`), config: cfg.config, log: (line) => lines.push(line), statics: {}, ...options });
  running.push(collector);
  return collector;
};
beforeEach(() => {
  lines = [];
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
});

const post = (c: Collector, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${c.url}/v1/engage`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const get = (c: Collector, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${c.url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
const answer = async (res: Response | Promise<Response>) => {
  const r = await res;
  return { status: r.status, body: await r.json() };
};
/** Org ids in the rows of GET /v1/metrics?by=org, with their requested count. */
const requestedByOrg = async (c: Collector, token: string, query = '') => {
  const res = await get(c, `/v1/metrics?by=org${query}`, token);
  expect(res.status).toBe(200);
  return Object.fromEntries(((await res.json()) as { orgId: string; counts: Record<string, number> }[]).map((r) => [r.orgId, r.counts.inbound_chat_requested]));
};

describe('ingest checks, in order', () => {
  beforeAll(async () => {
    cfg = await makeConfig();
  });

  it('answers 413 to a batch of more than 500 events, before looking at the key', async () => {
    const c = await start();
    const events = Array.from({ length: 501 }, () => ev());
    expect(await answer(post(c, batch(undefined, events)))).toEqual({ status: 413, body: { error: { code: 'too_many_events', message: 'a batch holds at most 500 events, not 501' } } });
  });

  it('answers 400 to bad JSON and a bad shape, before looking at the key', async () => {
    const c = await start();
    expect(await answer(post(c, '{"key":'))).toEqual({ status: 400, body: { error: { code: 'invalid_json', message: 'the body is not valid JSON' } } });
    expect((await answer(post(c, batch(undefined, [{ ...ev(), metric: 'nope' }])))).body.error).toMatchObject({ code: 'invalid_batch', index: 0 });
  });

  it('answers 401 with the same body for a missing, unknown, wrong-kind or malformed key', async () => {
    const c = await start();
    const keys = [undefined, 'ek_unknownunknownunknownunknownunknown00000', cfg.org1.readToken, cfg.adminToken, 42, ''];
    const answers = await Promise.all(keys.map((key) => answer(post(c, { ...batch(undefined, [ev()]), key }))));
    for (const a of answers) {
      expect(a).toEqual({ status: 401, body: { error: { code: 'invalid_key', message: 'the batch needs a valid ingest key in its "key" field (missing, unknown or expired)' } } });
    }
  });

  it('answers 403 without CORS headers to an origin the org does not allow, and lets its own origin in', async () => {
    const c = await start();
    const refused = await post(c, batch(cfg.org1.ingestKey, [ev()]), { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: 'origin_not_allowed', message: 'this origin may not post with this key' } });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await post(c, batch(cfg.org1.ingestKey, [ev()]), { origin: 'https://shop.example' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('vary')).toContain('Origin');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('answers 403 naming the first event of another org, and stores nothing of that batch', async () => {
    const c = await start();
    const events = [ev({ id: 'own-1' }), ev({ id: 'foreign', orgId: 'org_2' }), ev({ id: 'own-2' })];
    expect(await answer(post(c, batch(cfg.org1.ingestKey, events)))).toEqual({
      status: 403,
      body: { error: { code: 'org_mismatch', message: 'event 1: its orgId is not the org of this key; nothing of this batch was stored', index: 1 } },
    });
    expect(await requestedByOrg(c, cfg.adminToken, '&orgId=org_1')).toEqual({});
  });

  it('stores a good batch and dedupes on (org, id): another org cannot suppress it with the same id', async () => {
    const c = await start();
    expect(await answer(post(c, batch(cfg.org2.ingestKey, [ev({ id: 'shared', orgId: 'org_2' })])))).toEqual({ status: 200, body: { stored: 1, duplicates: 0 } });
    expect(await answer(post(c, batch(cfg.org1.ingestKey, [ev({ id: 'shared' }), ev({ id: 'shared' })])))).toEqual({ status: 200, body: { stored: 1, duplicates: 1 } });
    expect(await requestedByOrg(c, cfg.org1.readToken)).toEqual({ org_1: 1 });
    expect(await requestedByOrg(c, cfg.org2.readToken)).toEqual({ org_2: 1 });
  });
});

describe('key rotation', () => {
  beforeAll(async () => {
    cfg = await makeConfig();
  });

  it('keeps the old key working during its grace and refuses it once the grace is over', async () => {
    const c = await start();
    const old = cfg.org2.ingestKey;
    const { ingestKey } = (await runAccessCommand(['key', 'rotate', 'org_2'], { config: cfg.config, grace: '7d' })).json as { ingestKey: string };
    // The running collector picks the file up within a second.
    await vi.waitFor(async () => expect((await post(c, batch(ingestKey, [ev({ orgId: 'org_2' })]))).status).toBe(200), { timeout: 5_000, interval: 200 });
    expect((await post(c, batch(old, [ev({ orgId: 'org_2' })]))).status).toBe(200);
    await runAccessCommand(['key', 'rotate', 'org_2'], { config: cfg.config, grace: '0s' });
    await vi.waitFor(async () => expect((await post(c, batch(old, [ev({ orgId: 'org_2' })]))).status).toBe(401), { timeout: 5_000, interval: 200 });
    expect((await post(c, batch(ingestKey, [ev({ orgId: 'org_2' })]))).status).toBe(401); // 0s ends every older key
  });
});

describe('rate limits', () => {
  it('answers a flood with 429 and a Retry-After the page can read, while another org goes on', async () => {
    cfg = await makeConfig({ limits: { ingestPerKey: { perSecond: 0.5, burst: 3 }, ingestPerAddress: { perSecond: 100, burst: 1_000 } } });
    const c = await start();
    const origin = { origin: 'https://shop.example' };
    const flood = await Promise.all(Array.from({ length: 6 }, () => post(c, batch(cfg.org1.ingestKey, [ev()]), origin)));
    const limited = flood.filter((r) => r.status === 429);
    expect(flood.map((r) => r.status).filter((s) => s === 200)).toHaveLength(3);
    expect(limited).toHaveLength(3);
    expect(limited[0].headers.get('retry-after')).toBe('2');
    expect(limited[0].headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(limited[0].headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect((await limited[0].json()).error.code).toBe('rate_limited');
    const other = await Promise.all(Array.from({ length: 3 }, () => post(c, batch(cfg.org2.ingestKey, [ev({ orgId: 'org_2' })]))));
    expect(other.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('limits one client address without touching another (behind a trusted proxy)', async () => {
    cfg = await makeConfig({ limits: { ingestPerAddress: { perSecond: 0.5, burst: 2 } }, trustProxy: true });
    const c = await start();
    const from = (address: string) => post(c, batch(cfg.org2.ingestKey, [ev({ orgId: 'org_2' })]), { 'x-forwarded-for': `10.0.0.9, ${address}` });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await from('203.0.113.1')).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await from('203.0.113.2')).status).toBe(200);
  });

  it('limits reads per token, with Retry-After', async () => {
    cfg = await makeConfig({ limits: { readPerToken: { perSecond: 0.5, burst: 2 } } });
    const c = await start();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(c, '/v1/metrics', cfg.org1.readToken)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await get(c, '/v1/metrics', cfg.org1.readToken);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await get(c, '/v1/metrics', cfg.org2.readToken)).status).toBe(200);
  });
});

describe('the read side', () => {
  let c: Collector;
  beforeAll(async () => {
    cfg = await makeConfig();
  });
  beforeEach(async () => {
    c = await start();
    await post(c, batch(cfg.org1.ingestKey, [ev(), ev()]));
    await post(c, batch(cfg.org2.ingestKey, [ev({ orgId: 'org_2' })]));
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token, and with an unknown or revoked one', async () => {
    const none = await get(c, '/v1/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="engage-collector"');
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'this route needs Authorization: Bearer <read or admin token>' } });
    const unknown = await get(c, '/v1/metrics', 'er_notarealtokennotarealtokennotarealtoken00');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await get(c, '/v1/metrics', cfg.org1.ingestKey)).status).toBe(401); // the public key reads nothing
  });

  it("shows a read token its own org only, whatever else the store holds", async () => {
    expect(await requestedByOrg(c, cfg.org1.readToken)).toEqual({ org_1: 2 });
    expect(await requestedByOrg(c, cfg.org1.readToken, '&orgId=org_1')).toEqual({ org_1: 2 });
  });

  it('answers the same 403 to a read token asking for another org and for an org that does not exist', async () => {
    const other = await answer(get(c, '/v1/metrics?orgId=org_2', cfg.org1.readToken));
    const unknown = await answer(get(c, '/v1/metrics?orgId=no_such_org', cfg.org1.readToken));
    expect(other.status).toBe(403);
    expect(unknown).toEqual(other);
    expect(other.body).toEqual({ error: { code: 'forbidden', message: 'this token cannot read that org, or there is no such org' } });
  });

  it('lets an admin token read the org it names, and gives it the same 403 for an org that does not exist', async () => {
    expect(await requestedByOrg(c, cfg.adminToken, '&orgId=org_2')).toEqual({ org_2: 1 });
    expect((await answer(get(c, '/v1/metrics?orgId=no_such_org', cfg.adminToken))).body.error.code).toBe('forbidden');
    expect(await answer(get(c, '/v1/metrics', cfg.adminToken))).toEqual({
      status: 400,
      body: { error: { code: 'invalid_param', param: 'orgId', message: 'an admin token names the org to read with orgId=' } },
    });
  });

  it('refuses a token in the query string, and keeps it out of the log', async () => {
    for (const query of [`access_token=${cfg.org1.readToken}`, `x=${cfg.adminToken}`]) {
      const res = await answer(get(c, `/v1/metrics?${query}`));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('token_in_query');
    }
    expect(lines.join('\n')).not.toContain(cfg.org1.readToken.slice(3));
    expect(lines.join('\n')).not.toContain(cfg.adminToken.slice(3));
  });

  it('exports CSV to a read token, of its own org', async () => {
    const res = await get(c, '/v1/metrics?by=org&format=csv', cfg.org1.readToken);
    expect(res.status).toBe(200);
    const rows = (await res.text()).trim().split('\r\n');
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(['org_1']);
  });

  it('tells the dashboard who is signed in at /v1/session', async () => {
    expect((await get(c, '/v1/session')).status).toBe(401);
    expect(await answer(get(c, '/v1/session', cfg.org1.readToken))).toEqual({ status: 200, body: { mode: 'token', orgId: 'org_1' } });
    expect(await answer(get(c, '/v1/session', cfg.adminToken))).toEqual({ status: 200, body: { mode: 'token', orgs: ['org_1', 'org_2'] } });
  });

  it('keeps /healthz open and without counts', async () => {
    expect(await answer(get(c, '/healthz'))).toEqual({ status: 200, body: { ok: true } });
  });

  it('serves Prometheus metrics to the admin token only: stored, duplicates, rejected by reason, batch latency', async () => {
    await post(c, batch(cfg.org1.ingestKey, [ev({ id: 'twice' }), ev({ id: 'twice' })]));
    await post(c, batch('ek_nonenonenonenonenonenonenonenonenonenonenon', [ev()]));
    expect((await get(c, '/metrics')).status).toBe(401);
    expect((await get(c, '/metrics', cfg.org1.readToken)).status).toBe(403);
    const res = await get(c, '/metrics', cfg.adminToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('engage_events_stored_total 4\n');
    expect(text).toContain('engage_events_duplicate_total 1\n');
    expect(text).toContain('engage_batches_rejected_total{reason="invalid_key"} 1\n');
    expect(text).toContain('engage_batch_duration_seconds_count 4\n');
    expect(text).not.toContain('org_1');
  });

  it('answers with a strict CSP, nosniff, no referrer, no framing and no caching on data', async () => {
    for (const res of [await get(c, '/v1/metrics', cfg.org1.readToken), await get(c, '/v1/metrics'), await get(c, '/healthz')]) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('does not let other origins read data routes (CORS on ingest only)', async () => {
    const res = await get(c, '/v1/metrics', cfg.org1.readToken, { origin: 'https://evil.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('logs one JSON line per request, with no key or token in it', async () => {
    await get(c, '/v1/metrics?by=rep', cfg.org1.readToken);
    const requests = lines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
    expect(requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/v1/engage', 200],
      ['POST', '/v1/engage', 200],
      ['GET', '/v1/metrics', 200],
    ]);
    expect(requests[0]).toMatchObject({ orgId: 'org_1', events: 2, ms: expect.any(Number) });
    for (const secret of [cfg.org1.ingestKey, cfg.org2.ingestKey, cfg.org1.readToken]) expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('SQL carried by parameters and pages', () => {
  const nasty = ["'; DROP TABLE events; --", 'quote\'s "double"', 'nul\u0000byte', "Robert'); DELETE FROM events WHERE ('1'='1"];

  beforeAll(async () => {
    cfg = await makeConfig();
  });

  it.each([
    ['by', "org'; DROP TABLE events; --"],
    ['tz', "UTC'; DROP TABLE events; --"],
    ['tz', 'Europe/Berlin\u0000'],
    ['from', "2026-11-24T00:00:00Z' OR '1'='1"],
    ['bucket', 'day"'],
    ['to', '2026-11-24T00:00:00Z\u0000'],
  ])('answers 400 naming %s to %j, and the table is intact', async (param, value) => {
    const c = await start();
    await post(c, batch(cfg.org1.ingestKey, [ev()]));
    const res = await answer(get(c, `/v1/metrics?${param}=${encodeURIComponent(value)}`, cfg.org1.readToken));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_param', param });
    expect(await requestedByOrg(c, cfg.org1.readToken)).toEqual({ org_1: 1 });
  });

  it('stores a page carrying SQL, quotes or NUL as plain text, or refuses it with a 400; the table stays intact', async () => {
    const c = await start();
    const statuses: number[] = [];
    for (const page of nasty) statuses.push((await post(c, batch(cfg.org1.ingestKey, [ev({ page })]))).status);
    for (const status of statuses) expect([200, 400]).toContain(status);
    const stored = nasty.filter((_, i) => statuses[i] === 200);
    const res = await get(c, '/v1/metrics?by=page', cfg.org1.readToken);
    const pages = ((await res.json()) as { page: string }[]).map((r) => r.page).sort();
    expect(pages).toEqual([...stored].sort());
    // and the next batch is stored as usual
    expect((await post(c, batch(cfg.org1.ingestKey, [ev()]))).status).toBe(200);
    expect(await requestedByOrg(c, cfg.org1.readToken)).toEqual({ org_1: stored.length + 1 });
  });
});

describe('static routes in token mode', () => {
  beforeAll(async () => {
    cfg = await makeConfig();
  });

  /** fetch would normalize `..` out of the path. */
  const raw = (c: Collector, path: string) =>
    new Promise<{ status: number; body: string; csp: string | undefined }>((done, fail) => {
      request(`${c.url}${path}`, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body, csp: res.headers['content-security-policy'] as string | undefined }));
      })
        .on('error', fail)
        .end();
    });

  it('serves pages under the strict page policy and nothing outside their folder', async () => {
    const demo = join(import.meta.dirname, '../../examples/demo');
    const c = await start({ statics: { demo, dashboard: demo } });
    const page = await raw(c, '/demo/');
    expect(page.status).toBe(200);
    expect(page.csp).toContain("script-src 'self'");
    expect(page.csp).toContain("frame-ancestors 'none'");
    for (const path of ['/demo/../../package.json', '/demo/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/..%5c..%5cpackage.json', `/${encodeURIComponent(cfg.config)}`]) {
      const res = await raw(c, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('"name"');
      expect(res.body).not.toContain('sha256:');
    }
  });
});

describe("a visitor's clock", () => {
  beforeAll(async () => {
    cfg = await makeConfig();
  });

  it("counts a future-clock visitor's events on the day they happened, not the day the clock says", async () => {
    const c = await start();
    const now = Date.now();
    const nextMidnight = Math.ceil((now + 1) / 86_400_000) * 86_400_000;
    // This visitor's clock is an hour past the next UTC midnight: by it, the event is tomorrow.
    const skew = nextMidnight - now + 3_600_000;
    const visitorNow = (ms: number) => new Date(ms + skew).toISOString();
    const event = ev({ occurredAt: visitorNow(now - 1_000) });
    expect((await post(c, batch(cfg.org1.ingestKey, [event], visitorNow(now)))).status).toBe(200);
    // Through the API: the day's bucket holds it, the next day's does not.
    const today = new Date(nextMidnight - 86_400_000).toISOString();
    const range = `from=${today}&to=${new Date(nextMidnight + 86_400_000).toISOString()}`;
    const res = await get(c, `/v1/metrics?by=org&bucket=day&tz=UTC&${range}`, cfg.org1.readToken);
    const rows = (await res.json()) as { bucket: string; counts: Record<string, number> }[];
    expect(rows.map((r) => [r.bucket, r.counts.inbound_chat_requested])).toEqual([
      [`${today.slice(0, 10)}T00:00:00+00:00`, 1],
      [`${new Date(nextMidnight).toISOString().slice(0, 10)}T00:00:00+00:00`, 0],
    ]);
    await c.close();
    const [row] = await readStoredRows(join(cfg.dir, `db-${dbCount}.duckdb`));
    expect(row.clientOccurredAt.slice(0, 10)).toBe(new Date(nextMidnight).toISOString().slice(0, 10)); // tomorrow, by its clock
    expect(row.occurredAt.slice(0, 10)).toBe(new Date(now).toISOString().slice(0, 10)); // counted today
    expect(Math.abs(Date.parse(row.occurredAt) - (now - 1_000))).toBeLessThan(5_000);
  });
});

describe('open demo mode (no config, loopback)', () => {
  beforeAll(async () => {
    cfg = await makeConfig(); // for its temporary folder only
  });

  const withHost = (c: Collector, host: string) =>
    new Promise<number>((done, fail) => {
      request(`${c.url}/v1/metrics`, { headers: { host } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      })
        .on('error', fail)
        .end();
    });

  it('serves every route without a key or token, and says so once at start', async () => {
    const c = await start({ config: undefined });
    expect(lines.filter((l) => l.includes('open demo mode'))).toHaveLength(1);
    expect((await post(c, batch(undefined, [ev({ orgId: 'any_org' })]))).status).toBe(200);
    expect(await requestedByOrg(c, '')).toEqual({ any_org: 1 });
    expect(await answer(get(c, '/v1/session'))).toEqual({ status: 200, body: { mode: 'open', orgs: ['any_org'] } });
  });

  it('answers loopback host names only, so a rebound DNS name cannot read it as its own origin', async () => {
    const c = await start({ config: undefined });
    const port = new URL(c.url).port;
    expect(await withHost(c, `evil.example:${port}`)).toBe(421);
    expect(await withHost(c, `127.0.0.1:${port}`)).toBe(200);
    expect(await withHost(c, `localhost:${port}`)).toBe(200);
  });

  it('refuses to start on a public address without a config, before opening the store', async () => {
    await expect(startCollector({ host: '0.0.0.0', db: join(cfg.dir, 'never.duckdb'), statics: {} })).rejects.toThrow('refusing to listen on 0.0.0.0 without a config file');
    expect(existsSync(join(cfg.dir, 'never.duckdb'))).toBe(false);
  });
});
