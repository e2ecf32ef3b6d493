// The embedded default: one DuckDB file. One connection writes (batches of several requests
// in one transaction: appended to a temporary staging table, then one INSERT OR IGNORE), a
// second one reads, so a slow report never holds up ingest.
import { DuckDBAppender, DuckDBInstance, DuckDBTimestampTZValue, type DuckDBValue } from '@duckdb/node-api';
import { aggregate, type MetricEvent } from 'engage-tracker/metrics';
import type { MetricQuerySpec, MetricRow } from '../../query/spec.js';
import { StoreUnavailableError, type InsertResult, type MetricStore, type StoredEvent } from '../metric-store.js';
import { readMigrations } from '../sql-files.js';

const micros = (ms: number) => new DuckDBTimestampTZValue(BigInt(ms) * 1000n);

/** Runs tasks one after another, whatever became of the previous one. */
function createSerial() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = last.then(task, task);
    last = next.catch(() => {});
    return next;
  };
}

export async function openDuckDbStore(path: string): Promise<MetricStore> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (err) {
    throw new StoreUnavailableError(`cannot open the DuckDB file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const writer = await instance.connect();
  const reader = await instance.connect();
  const serial = createSerial();
  let closed = false;

  /** Maps any database failure to a StoreUnavailableError (503), keeping the cause. */
  const unavailable = (err: unknown) => new StoreUnavailableError(`DuckDB: ${(err as Error)?.message ?? err}`, { cause: err });

  async function migrate() {
    await writer.run('CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
    const done = new Set((await writer.runAndReadAll('SELECT version FROM schema_migrations')).getRows().map((r) => String(r[0])));
    for (const { version, sql } of readMigrations('duckdb')) {
      if (done.has(version)) continue;
      await writer.run('BEGIN TRANSACTION');
      try {
        await writer.run(sql);
        await writer.run('INSERT INTO schema_migrations VALUES ($version, now())', { version });
        await writer.run('COMMIT');
      } catch (err) {
        await writer.run('ROLLBACK');
        throw err;
      }
    }
    // Per connection, so after the migrations: the staging table of the writer's inserts.
    await writer.run('CREATE TEMPORARY TABLE IF NOT EXISTS staging AS SELECT * FROM events LIMIT 0');
  }

  async function insertGroup(batches: readonly (readonly StoredEvent[])[]): Promise<InsertResult[]> {
    // Within the group, the first copy of a key is staged; later ones are duplicates already.
    const seen = new Set<string>();
    const staged: number[][] = batches.map(() => []);
    const keys: string[] = [];
    let inserted: Set<string>;
    try {
      const appender = await writer.createAppender('staging', 'main', 'temp');
      batches.forEach((events, b) => {
        for (const e of events) {
          const key = `${e.orgId}\u0000${e.id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          staged[b].push(keys.length);
          keys.push(key);
          appendRow(appender, e);
        }
      });
      appender.closeSync();
      await writer.run('BEGIN TRANSACTION');
      try {
        const result = await writer.runAndReadAll('INSERT OR IGNORE INTO events SELECT * FROM staging RETURNING org_id, id');
        inserted = new Set(result.getRows().map((r) => `${r[0]}\u0000${r[1]}`));
        await writer.run('COMMIT');
      } catch (err) {
        await writer.run('ROLLBACK').catch(() => {});
        throw err;
      }
    } finally {
      await writer.run('DELETE FROM staging').catch(() => {});
    }
    return batches.map((events, b) => {
      const stored = staged[b].filter((k) => inserted.has(keys[k])).length;
      return { stored, duplicates: events.length - stored };
    });
  }

  async function metrics(spec: MetricQuerySpec): Promise<MetricRow[]> {
    const where: string[] = [];
    const params: Record<string, DuckDBValue> = {};
    if (spec.orgId !== undefined) where.push('org_id = $org'), (params.org = spec.orgId);
    const result = await reader.runAndReadAll(
      `SELECT org_id, id, metric, visitor_id, session_id, rep_id, page, call_id, conversation_id, reason, epoch_ms(occurred_at) FROM events${where.length ? ' WHERE ' + where.join(' AND ') : ''}`,
      params,
    );
    const events = result.getRows().map((r) => {
      const e: Record<string, unknown> = { orgId: r[0], id: r[1], metric: r[2], visitorId: r[3], sessionId: r[4], page: r[6], occurredAt: new Date(Number(r[10])).toISOString() };
      if (r[5] !== null) e.repId = r[5];
      if (r[7] !== null) e.callId = r[7];
      if (r[8] !== null) e.conversationId = r[8];
      if (r[9] !== null) e.reason = r[9];
      return e as unknown as MetricEvent;
    });
    const closeSessionsBefore = spec.closeSessionsBefore === undefined ? undefined : new Date(spec.closeSessionsBefore);
    return aggregate(events, { by: spec.by, closeSessionsBefore }) as MetricRow[];
  }

  const guarded =
    <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      if (closed) throw new StoreUnavailableError('the store is closed');
      try {
        return await fn(...args);
      } catch (err) {
        throw err instanceof StoreUnavailableError ? err : unavailable(err);
      }
    };

  return {
    migrate: guarded(() => serial(migrate)),
    insert: guarded((batches: readonly (readonly StoredEvent[])[]) => serial(() => insertGroup(batches))),
    metrics: guarded(metrics),
    orgs: guarded(async () => (await reader.runAndReadAll('SELECT DISTINCT org_id FROM events ORDER BY org_id')).getRows().map((r) => String(r[0]))),
    async health() {
      if (closed) return { ok: false, problem: 'closed' };
      try {
        await reader.run('SELECT 1 FROM events LIMIT 0');
        return { ok: true };
      } catch (err) {
        return { ok: false, problem: (err as Error).message };
      }
    },
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

/** One event as a row of the staging table, in the column order of the events table. */
function appendRow(appender: DuckDBAppender, e: StoredEvent) {
  const text = (value: string | null) => (value === null ? appender.appendNull() : appender.appendVarchar(value));
  text(e.orgId);
  text(e.id);
  text(e.metric);
  text(e.visitorId);
  text(e.sessionId);
  text(e.repId);
  text(e.page);
  text(e.callId);
  text(e.conversationId);
  text(e.reason);
  appender.appendTimestampTZ(micros(e.occurredAt));
  text(e.clientOccurredAt);
  text(e.clientSentAt);
  appender.appendTimestampTZ(micros(e.receivedAt));
  appender.endRow();
}
