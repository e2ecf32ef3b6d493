// The embedded default: one DuckDB file. One connection writes (batches of several requests
// in one transaction, see insertGroup), a second one reads, so a slow report never holds up
// ingest.
import { DuckDBInstance, type DuckDBResultReader, type DuckDBValue } from '@duckdb/node-api';
import { bucketStarts, zoneCalendar } from 'engage-tracker/metrics';
import { assembleRows, type CountGroup } from '../../query/assemble.js';
import { bucketUnits } from '../../query/bucket-units.js';
import type { MetricQuerySpec } from '../../query/spec.js';
import { probeHealth, storeGuard, StoreUnavailableError, type InsertResult, type MetricStore, type StoredEvent } from '../metric-store.js';
import { readMigrations, readQuery } from '../sql-files.js';
import { APPENDED_COLUMNS, append } from './append-events.js';

/** Runs tasks one after another, whatever became of the previous one. */
function createSerial() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = last.then(task, task);
    last = next.catch(() => {});
    return next;
  };
}

export interface DuckDbOptions {
  /**
   * DuckDB's worker threads. Default 1: the HTTP side and the machine's other work keep the
   * other cores; a report over 1 M events still takes a few hundred ms (bench/RESULTS.md).
   */
  threads?: number;
}

export async function openDuckDbStore(path: string, options: DuckDbOptions = {}): Promise<MetricStore> {
  let instance: DuckDBInstance;
  try {
    // No SQL may read or write other files (read_csv, COPY, ATTACH, httpfs): a query that ever
    // carried a request value would reach no further than this database.
    instance = await DuckDBInstance.create(path, { threads: String(options.threads ?? 1), enable_external_access: 'false' });
  } catch (err) {
    throw new StoreUnavailableError(`cannot open the DuckDB file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const writer = await instance.connect();
  const reader = await instance.connect();
  const serial = createSerial();
  const insertSql = readQuery('duckdb', 'insert-events');
  const metricsSql = readQuery('duckdb', 'metrics');
  const closeSessionsSql = readQuery('duckdb', 'close-sessions');
  const eventRangeSql = readQuery('duckdb', 'event-range');
  let closed = false;

  const guarded = storeGuard('DuckDB', () => closed);

  async function migrate() {
    await writer.run('CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
    const done = new Set((await writer.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => String(r[0])));
    for (const { version, sql } of readMigrations('duckdb')) {
      if (done.has(version)) continue;
      await transaction(async () => {
        await writer.run(sql);
        await writer.run('INSERT INTO schema_migrations VALUES ($version, now())', { version });
      });
    }
    const columns = (await writer.runAndReadAll("SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position")).getRows().map((r) => String(r[0]));
    if (columns.join() !== APPENDED_COLUMNS.join()) throw new Error(`the events table has columns ${columns.join(', ')}; append() writes ${APPENDED_COLUMNS.join(', ')}`);
  }

  /**
   * One transaction for a group of batches. Within the group the first copy of a key is kept
   * (later ones are duplicates already). The rows go in through an appender, the cheapest way
   * into DuckDB (about twice the rows per second of an INSERT OR IGNORE over a JSON
   * parameter, measured with groups of 400); the table's key refuses the whole append when
   * one row is stored already, and then, rarely (a resent batch), the group goes again
   * through insert-events.sql, which skips what is stored and names what it wrote. Any failed
   * append takes that second way, not only a refused key (DuckDB's messages are no contract):
   * a failure of the database itself fails there too, and is answered 503.
   */
  async function insertGroup(batches: readonly (readonly StoredEvent[])[]): Promise<InsertResult[]> {
    const batchOf = new Map<string, number>();
    const rows: StoredEvent[] = [];
    batches.forEach((events, b) => {
      for (const e of events) {
        const key = `${e.orgId}\u0000${e.id}`;
        if (batchOf.has(key)) continue;
        batchOf.set(key, b);
        rows.push(e);
      }
    });
    const firstCopies = batches.map(() => 0);
    for (const b of batchOf.values()) firstCopies[b]++;
    let stored = firstCopies;
    if (rows.length && !(await transaction(() => append(writer, rows)).then(() => true, () => false))) {
      stored = batches.map(() => 0);
      await transaction(async () => {
        const result = await writer.runAndReadAll(insertSql, { rows: JSON.stringify(rows.map(toJsonRow)) });
        for (const [orgId, id] of result.getRows()) stored[batchOf.get(`${orgId}\u0000${id}`)!]++;
      });
    }
    return batches.map((events, b) => ({ stored: stored[b], duplicates: events.length - stored[b] }));
  }

  /** Runs `work` in a transaction of the writer: committed, or rolled back and rethrown. */
  async function transaction(work: () => Promise<void>) {
    await writer.run('BEGIN TRANSACTION');
    try {
      await work();
      await writer.run('COMMIT');
    } catch (err) {
      await writer.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** Filters every query of `spec` shares. */
  const scopeOf = (spec: MetricQuerySpec): Record<string, DuckDBValue> => ({ from_ms: spec.from ?? null, to_ms: spec.to ?? null, org: spec.orgId ?? null });

  /** The first and last instant of the events `spec` reads (null: none). */
  async function eventRange(spec: MetricQuerySpec): Promise<[number, number] | null> {
    const [first, last] = (await reader.runAndReadAll(eventRangeSql, scopeOf(spec))).getRows()[0] ?? [];
    return first === null || first === undefined ? null : [Number(first), Number(last)];
  }

  /**
   * The SQL's counts per bucket of `starts` (epoch ms, ascending; none without buckets), the
   * last of which ends at `end`.
   */
  async function counts(spec: MetricQuerySpec, starts: readonly number[], end: number | null): Promise<{ groups: CountGroup[]; misses: CountGroup[] }> {
    const params: Record<string, DuckDBValue> = { ...scopeOf(spec), by: spec.by, starts: JSON.stringify(starts) };
    const units = end === null ? null : bucketUnits(starts, end);
    const groups = toGroups(
      await reader.runAndReadAll(metricsSql, {
        ...scopeOf(spec),
        by: spec.by,
        origin_ms: units?.originMs ?? null,
        unit_ms: units?.unitMs ?? null,
        unit_buckets: JSON.stringify(units?.bucketAt ?? []),
        unit_boundaries: JSON.stringify(units?.boundary ?? []),
      }),
    );
    const closing = spec.closeSessionsBefore !== undefined && spec.by !== 'rep';
    const misses = closing ? toGroups(await reader.runAndReadAll(closeSessionsSql, { ...params, before_ms: spec.closeSessionsBefore! })) : [];
    return { groups, misses };
  }

  return {
    migrate: guarded(() => serial(migrate)),
    insert: guarded((batches: readonly (readonly StoredEvent[])[]) => serial(() => insertGroup(batches))),
    metrics: async (spec) => {
      // Bucket starts come from aggregate()'s calendar (Node's zone rules), not from DuckDB's
      // zone data; computed outside the guard, as too many buckets is the asker's mistake (a
      // 400), not the store's (a 503).
      let starts: number[] = [];
      let end: number | null = null;
      // With buckets, the counts read the range the starts were made for: events committed
      // between the two reads and outside it would have no bucket (they are left to the next
      // question, as if it had been asked a moment earlier).
      let read = spec;
      if (spec.bucket !== 'none') {
        const range = await guarded(eventRange)(spec);
        if (!range) return assembleRows(spec, [], []);
        const calendar = zoneCalendar(spec.bucket, spec.tz);
        starts = bucketStarts(calendar, range[0], range[1] + 1);
        end = calendar.next(starts[starts.length - 1]);
        read = { ...spec, from: range[0], to: range[1] + 1 };
      }
      const { groups, misses } = await guarded(counts)(read, starts, end);
      return assembleRows(spec, groups, misses);
    },
    orgs: guarded(async () => (await reader.runAndReadAll('SELECT DISTINCT org_id FROM events ORDER BY org_id')).getRows().map((r) => String(r[0]))),
    health: () => probeHealth(closed, () => reader.run('SELECT 1 FROM events LIMIT 0')),
    async close() {
      if (closed) return;
      closed = true;
      await serial(async () => {});
      writer.closeSync();
      reader.closeSync();
      instance.closeSync();
    },
  };
}

/** One event as an element of the insert's JSON parameter (short keys: the JSON is parsed per row). */
function toJsonRow(e: StoredEvent) {
  return {
    o: e.orgId,
    i: e.id,
    m: e.metric,
    v: e.visitorId,
    s: e.sessionId,
    r: e.repId,
    p: e.page,
    c: e.callId,
    n: e.conversationId,
    x: e.reason,
    t: e.occurredAt,
    co: e.clientOccurredAt,
    cs: e.clientSentAt,
    rt: e.receivedAt,
  };
}

/** Rows of metrics.sql or close-sessions.sql: org_id, row_key, bucket_ms, then one count per column. */
function toGroups(result: DuckDBResultReader): CountGroup[] {
  const names = result.columnNames();
  return result.getRows().map((r) => {
    const counts: Record<string, number> = {};
    for (let c = 3; c < names.length; c++) counts[names[c]] = Number(r[c]);
    return { orgId: String(r[0]), rowKey: String(r[1]), bucketMs: r[2] === null ? null : Number(r[2]), counts };
  });
}
