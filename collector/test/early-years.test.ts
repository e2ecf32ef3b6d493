// @vitest-environment node
// Events stamped in the years 0 to 99 (Date.UTC reads those years as 19xx): the DuckDB store
// buckets them in their own years, as aggregate() does, in UTC and in a zone on local mean time.
import { aggregate, type MetricEvent } from 'engage-tracker/metrics';
import { expect, it } from 'vitest';
import { toStoredEvents } from '../src/ingest/event-time.js';
import type { MetricQuerySpec } from '../src/query/spec.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';

const event = (id: string, occurredAt: string): MetricEvent => ({ id, metric: 'inbound_chat_requested', orgId: 'org_1', visitorId: 'v', sessionId: 's' + id, page: '/', occurredAt });
const events = [event('a', '0000-01-01T12:00:00.000Z'), event('b', '0050-03-15T00:00:00.000Z'), event('c', '0050-05-15T00:00:00.000Z'), event('d', '0099-12-31T23:30:00.000Z')];

it('the DuckDB store puts events of the years 0 to 99 in the buckets aggregate() gives them', async () => {
  const store = await openDuckDbStore(':memory:');
  await store.migrate();
  // Sent as stamped: no clock correction.
  await store.insert([toStoredEvents(events, '2026-12-06T00:00:00Z', Date.parse('2026-12-06T00:00:00Z'))]);
  const specs: MetricQuerySpec[] = [
    { by: 'org', bucket: 'month', tz: 'UTC' },
    { by: 'org', bucket: 'week', tz: 'Europe/Berlin' },
    { by: 'page', bucket: 'day', tz: 'Asia/Kathmandu', from: Date.parse('0050-03-01T00:00:00Z'), to: Date.parse('0050-06-01T00:00:00Z') },
  ];
  try {
    for (const spec of specs) {
      const want = aggregate(events, { by: spec.by, bucket: spec.bucket, tz: spec.tz, ...(spec.from !== undefined && { from: new Date(spec.from), to: new Date(spec.to as number) }) });
      expect(await store.metrics(spec), JSON.stringify(spec)).toEqual(want);
      expect(want.some((row) => row.bucket?.startsWith('0050-03'))).toBe(true);
    }
  } finally {
    await store.close();
  }
});
