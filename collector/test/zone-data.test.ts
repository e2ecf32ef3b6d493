// @vitest-environment node
// Buckets in a zone whose rules changed lately: the DuckDB collector must put an event in the
// same local day as aggregate() and never lose it. Needs the build (`npm run build`).
//
// DuckDB 1.5.6 carries other zone data than Node 20's Intl for a few zones (America/Vancouver,
// America/Edmonton, America/Inuvik from November 2026; Africa/Casablanca, Africa/El_Aaiun for
// many years). The DuckDB store therefore counts UTC quarter hours and the collector puts them in
// local buckets with aggregate()'s calendar: one source of zone rules for both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, type MetricEvent } from 'engage-tracker/metrics';
import { startCollector } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'engage-zone-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Around local midnights and the November change, in the zones whose data differs.
const event = (id: string, occurredAt: string): MetricEvent => ({
  id,
  metric: 'proactive_chat_attempted',
  orgId: 'org_1',
  visitorId: 'v1',
  sessionId: 's1',
  repId: 'rep_1',
  page: '/pricing',
  occurredAt,
});
const events = [
  '2026-10-31T06:30:00.000Z',
  '2026-11-01T07:30:00.000Z',
  '2026-11-01T09:30:00.000Z',
  '2026-11-20T07:30:00.000Z',
  '2026-11-20T08:30:00.000Z',
  '2026-11-20T12:00:00.000Z',
  '2026-12-01T00:10:00.000Z',
].map((at, i) => event(`e${i}`, at));

describe('buckets in zones whose rules changed lately', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    collector = await startCollector({ db: join(root, 'zone.duckdb'), log: () => {}, statics: {} });
    const body = { sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events };
    expect((await fetch(`${collector.url}/v1/engage`, { method: 'POST', body: JSON.stringify(body) })).status).toBe(200);
  });
  afterAll(() => collector?.close());

  it.each([
    ['America/Vancouver', 'day'],
    ['America/Vancouver', 'week'],
    ['America/Vancouver', 'hour'],
    ['America/Edmonton', 'day'],
    ['Africa/Casablanca', 'day'],
    ['Africa/Casablanca', 'month'],
    ['Asia/Kathmandu', 'hour'],
  ] as const)('count every event in %s on its local %s, as aggregate() does', async (tz, bucket) => {
    const rows = await (await fetch(`${collector.url}/v1/metrics?by=org&bucket=${bucket}&tz=${tz}`)).json();
    expect(rows).toEqual(aggregate(events, { by: 'org', bucket, tz }));
  });
});
