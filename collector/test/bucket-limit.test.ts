// @vitest-environment node
// A table of more than 100,000 buckets (hours over decades) is the asker's mistake, not the
// store's: GET /v1/metrics answers 400 naming `bucket`, not a 503 that tells a client to retry
// the same query; and both stores throw the limit's RangeError, never a StoreUnavailableError.
// Needs the build (`npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregate, type MetricEvent } from 'engage-tracker/metrics';
import { toStoredEvents } from '../src/ingest/event-time.js';
import { createClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { startCollector } from '../src/index.js';
import { createChdbDriver } from './support/chdb-driver.js';

const root = mkdtempSync(join(tmpdir(), 'engage-bucket-limit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const event: MetricEvent = {
  id: 'e1',
  metric: 'inbound_chat_requested',
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: 's1',
  page: '/pricing',
  occurredAt: '2026-11-20T12:00:00.000Z',
};
// About 235,000 hours, with an event inside.
const TOO_MANY = { by: 'org', bucket: 'hour', tz: 'UTC', from: Date.parse('2000-01-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') } as const;

describe('a table of more buckets than the limit', () => {
  it('GET /v1/metrics on DuckDB answers 400 naming bucket', async () => {
    const collector = await startCollector({ db: join(root, 'limit.duckdb'), log: () => {}, statics: {} });
    try {
      const body = { sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events: [event] };
      expect((await fetch(`${collector.url}/v1/engage`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(200);
      const res = await fetch(`${collector.url}/v1/metrics?by=org&bucket=hour&from=2000-01-01T00:00:00Z&to=2030-01-01T00:00:00Z`);
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ code: 'invalid_param', param: 'bucket' });
      // The store is fine: the next question is answered.
      expect((await fetch(`${collector.url}/v1/metrics?by=org&bucket=day&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`)).status).toBe(200);
    } finally {
      await collector.close();
    }
  });

  it('the ClickHouse store (on chDB) throws the RangeError of the limit', { timeout: 60_000 }, async () => {
    const store = createClickHouseStore(createChdbDriver());
    try {
      await store.migrate();
      await store.insert([toStoredEvents([event], event.occurredAt, Date.parse(event.occurredAt))]);
      await expect(store.metrics(TOO_MANY)).rejects.toThrow(RangeError);
    } finally {
      await store.close();
    }
  });
});

describe('a range of centuries within the limit', () => {
  it('puts an event of 1800 and one of today in their weeks, as aggregate() does, on DuckDB', { timeout: 60_000 }, async () => {
    // A visitor clock in 1800 is stored as it says (nothing is refused for being old): the
    // table then spans 11,800 weeks, which the store must answer without a row per minute.
    // In Berlin, whose offset was +0:53:28 then.
    const collector = await startCollector({ db: join(root, 'centuries.duckdb'), log: () => {}, statics: {} });
    try {
      const events = [{ ...event, id: 'e-old', occurredAt: '1800-03-15T12:00:00.000Z' }, event];
      const body = { sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events };
      expect((await fetch(`${collector.url}/v1/engage`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(200);
      const res = await fetch(`${collector.url}/v1/metrics?by=org&bucket=week&tz=Europe/Berlin`);
      expect(res.status).toBe(200);
      const rows = (await res.json()) as unknown[];
      expect(rows.length).toBeGreaterThan(11_800);
      expect(rows).toEqual(aggregate(events, { by: 'org', bucket: 'week', tz: 'Europe/Berlin' }));
    } finally {
      await collector.close();
    }
  });
});
