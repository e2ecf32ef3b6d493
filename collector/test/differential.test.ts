// @vitest-environment node
// The same numbers everywhere: for hundreds of seeded random histories, aggregate() of the
// SDK, the DuckDB SQL and the ClickHouse SQL (on chDB, the ClickHouse engine in process) give
// row-for-row equal tables, by org, rep and page, with and without a range, in every bucket,
// in UTC, Europe/Berlin (across DST days) and Asia/Kathmandu (+05:45), closing sessions or not.
// Histories with the same starting day are stored ten at a time (each has orgs of its own),
// so that one query checks ten histories: a database round trip costs far more than a row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, type MetricEvent } from 'engage-tracker/metrics';
import { toStoredEvents } from '../src/ingest/event-time.js';
import type { MetricQuerySpec } from '../src/query/spec.js';
import { createClickHouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { openDuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { MetricStore, StoredEvent } from '../src/store/metric-store.js';
import { createChdbDriver } from './support/chdb-driver.js';
import { generateHistory, seededRandom, type History } from './support/histories.js';

const HISTORIES = Number(process.env.DIFF_HISTORIES ?? 200);
const HISTORIES_PER_STORE = 10;
const QUERIES_PER_STORE = 15;
const BY = ['org', 'rep', 'page'] as const;
const BUCKETS = ['none', 'hour', 'day', 'week', 'month'] as const;
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu'];

/** What the collector stores for some histories, in the order received: every copy, as store.insert() gets them. */
function storedBatches(histories: History[]): StoredEvent[][] {
  return histories
    .flatMap((h) => h.batches)
    .sort((a, b) => a.receivedAt - b.receivedAt)
    .map((b) => toStoredEvents(b.events, b.sentAt, b.receivedAt));
}

/** The stored events as aggregate() takes them: corrected times; aggregate keeps the first copy, as the stores do. */
const asEvents = (batches: StoredEvent[][]): MetricEvent[] =>
  batches.flat().map((e) => {
    const event: Record<string, unknown> = { id: e.id, metric: e.metric, orgId: e.orgId, visitorId: e.visitorId, sessionId: e.sessionId, page: e.page, occurredAt: new Date(e.occurredAt).toISOString() };
    if (e.repId !== null) event.repId = e.repId;
    if (e.callId !== null) event.callId = e.callId;
    if (e.conversationId !== null) event.conversationId = e.conversationId;
    if (e.reason !== null) event.reason = e.reason;
    return event as unknown as MetricEvent;
  });

/** The specs of a store: the first ones every combination of by, bucket and zone, the rest a seeded sample. */
function specsFor(histories: History[], index: number): MetricQuerySpec[] {
  const r = seededRandom(histories[0].seed * 31 + 7);
  const start = Math.min(...histories.map((h) => h.start));
  const span = Math.floor((Math.max(...histories.map((h) => h.end)) - start) / 2) * 2;
  const spec = (by: MetricQuerySpec['by'], bucket: MetricQuerySpec['bucket'], tz: string): MetricQuerySpec => {
    const s: MetricQuerySpec = { by, bucket, tz };
    const range = r.int(4); // none, both ends, from only, to only
    if (range === 1 || range === 2) s.from = start + r.int(span / 2);
    if (range === 1 || range === 3) s.to = start + span / 2 + r.int(span / 2);
    if (r.chance(0.6)) s.closeSessionsBefore = start + r.int(span + 6 * 3_600_000);
    return s;
  };
  if (index < 2) return BY.flatMap((by) => BUCKETS.flatMap((bucket) => ZONES.map((tz) => spec(by, bucket, tz))));
  return Array.from({ length: QUERIES_PER_STORE }, () => spec(r.pick(BY), r.pick(BUCKETS), r.pick(ZONES)));
}

const expected = (events: MetricEvent[], s: MetricQuerySpec) =>
  aggregate(events, {
    by: s.by,
    bucket: s.bucket,
    tz: s.tz,
    ...(s.from !== undefined && { from: new Date(s.from) }),
    ...(s.to !== undefined && { to: new Date(s.to) }),
    ...(s.closeSessionsBefore !== undefined && { closeSessionsBefore: new Date(s.closeSessionsBefore) }),
  });

/** Inserts the batches in groups of 1-30, as the commit queue would. */
async function load(store: MetricStore, batches: StoredEvent[][], seed: number) {
  const r = seededRandom(seed);
  for (let i = 0; i < batches.length; ) {
    const size = 1 + r.int(30);
    await store.insert(batches.slice(i, i + size));
    i += size;
  }
}

const histories = Array.from({ length: HISTORIES }, (_, i) => generateHistory(1000 + i));
/** Histories of the same starting day, ten at a time (sorted by seed). */
const stores: History[][] = [];
for (const base of new Set(histories.map((h) => h.base))) {
  const same = histories.filter((h) => h.base === base);
  for (let i = 0; i < same.length; i += HISTORIES_PER_STORE) stores.push(same.slice(i, i + HISTORIES_PER_STORE));
}
stores.sort((a, b) => a[0].seed - b[0].seed);
const chdb = createChdbDriver();
const clickhouse = createClickHouseStore(chdb);
beforeAll(() => clickhouse.migrate(), 60_000);
afterAll(() => clickhouse.close());

describe(`aggregate(), DuckDB and ClickHouse (chDB) agree on ${HISTORIES} random histories`, () => {
  it('row for row, for every query', { timeout: 900_000 }, async () => {
    let queries = 0;
    let rows = 0;
    const spent = { load: 0, aggregate: 0, duckdb: 0, clickhouse: 0 };
    const timed = async <T>(key: keyof typeof spent, fn: () => T | Promise<T>) => {
      const t = performance.now();
      const result = await fn();
      spent[key] += performance.now() - t;
      return result;
    };
    for (const [index, group] of stores.entries()) {
      const batches = storedBatches(group);
      const seed = group[0].seed;
      const events = asEvents(batches);
      const duckdb = await timed('load', async () => {
        const store = await openDuckDbStore(':memory:');
        await store.migrate();
        await chdb.command('TRUNCATE TABLE events');
        await load(store, batches, seed);
        await load(clickhouse, batches, seed);
        return store;
      });
      for (const spec of specsFor(group, index)) {
        const want = await timed('aggregate', () => expected(events, spec));
        const context = `history seeds ${group.map((h) => h.seed).join(',')}, spec ${JSON.stringify(spec)}`;
        expect(await timed('duckdb', () => duckdb.metrics(spec)), `DuckDB, ${context}`).toEqual(want);
        expect(await timed('clickhouse', () => clickhouse.metrics(spec)), `ClickHouse, ${context}`).toEqual(want);
        queries++;
        rows += want.length;
      }
      await duckdb.close();
    }
    const ms = Object.entries(spent).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ');
    console.log(`[differential] ${HISTORIES} histories, ${queries} queries, ${rows} rows equal on aggregate(), DuckDB and chDB (${ms})`);
  });
});
