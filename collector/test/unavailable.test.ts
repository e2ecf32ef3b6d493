// @vitest-environment node
// A store that is down, full or failing, and a queue that is too deep: 503 with Retry-After,
// so the SDK keeps the batch and retries; nothing is acknowledged that was not committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCollector, StoreUnavailableError, type Collector, type MetricStore } from '../src/index.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';

const dir = mkdtempSync(join(tmpdir(), 'engage-unavailable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const running: Collector[] = [];
afterEach(async () => void (await Promise.all(running.splice(0).map((c) => c.close()))));

let n = 0;
const body = (events = 1) =>
  JSON.stringify({
    sdk: { name: 'engage-tracker', version: '0.1.0' },
    sentAt: new Date().toISOString(),
    events: Array.from({ length: events }, () => ({ id: `u${++n}`, metric: 'inbound_chat_requested', orgId: 'o', visitorId: 'v', sessionId: 's', page: '/', occurredAt: new Date().toISOString() })),
  });
const post = (c: Collector, events = 1) => fetch(`${c.url}/v1/engage`, { method: 'POST', body: body(events), headers: { origin: 'https://site.example' } });

/** A DuckDB store whose writes, reads or health check fail while `failing.on` is true. */
async function flakyStore(failing: { on: boolean }): Promise<MetricStore> {
  const store = await openDuckDbStore(join(dir, `flaky-${++n}.duckdb`));
  const unless = <A extends unknown[], T>(fn: (...a: A) => Promise<T>) => (...a: A) =>
    failing.on ? Promise.reject(new StoreUnavailableError('disk full')) : fn(...a);
  return {
    ...store,
    insert: unless(store.insert),
    metrics: unless(store.metrics),
    health: () => (failing.on ? Promise.resolve({ ok: false, problem: 'disk full' }) : store.health()),
  };
}

describe('503 with Retry-After', () => {
  it('while the store fails: ingest, metrics and health, readable cross-origin; 200 again once it is back', async () => {
    const failing = { on: true };
    const c = await startCollector({ store: await flakyStore(failing), port: 0 });
    running.push(c);
    const res = await post(c);
    expect([res.status, res.headers.get('retry-after'), res.headers.get('access-control-expose-headers')]).toEqual([503, '2', 'Retry-After']);
    expect((await res.json()).error.code).toBe('unavailable');
    expect((await fetch(`${c.url}/v1/metrics`)).status).toBe(503);
    const health = await fetch(`${c.url}/healthz`);
    expect([health.status, health.headers.get('retry-after')]).toEqual([503, '2']);

    failing.on = false;
    expect((await post(c)).status).toBe(200);
    expect(await (await fetch(`${c.url}/healthz`)).json()).toEqual({ ok: true });
  });

  it('when more events wait for a commit than the queue holds, without storing the refused batches', async () => {
    const c = await startCollector({ db: join(dir, 'deep.duckdb'), maxQueuedEvents: 100 });
    running.push(c);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(c, 50)));
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.every((a) => a.headers.get('retry-after') === '2')).toBe(true);
    expect((await refused[0].json()).error.code).toBe('overloaded');
    const [row] = await (await fetch(`${c.url}/v1/metrics?by=org`)).json();
    expect(row.counts.inbound_chat_requested).toBe(statuses.filter((s) => s === 200).length * 50);
  });
});
