// ClickHouse: a ReplacingMergeTree table read with FINAL. No transactions there, so a group
// of batches is one INSERT (atomic for a block this size), written only once the keys
// already stored are known: a retried event is not written again, and if a race writes it
// twice anyway, FINAL counts it once.
import { assembleRows, type CountGroup } from '../../query/assemble.js';
import type { MetricQuerySpec } from '../../query/spec.js';
import { probeHealth, storeGuard, type InsertResult, type MetricStore, type StoredEvent } from '../metric-store.js';
import { readMigrations, readQuery } from '../sql-files.js';
import type { ClickHouseDriver, QueryParams } from './driver.js';

export async function openClickHouseStore(url: string): Promise<MetricStore> {
  const { createClientDriver } = await import('./client-driver.js');
  return createClickHouseStore(await createClientDriver(url));
}

/** The store over any driver: the server's client, or chDB in tests. */
export function createClickHouseStore(driver: ClickHouseDriver): MetricStore {
  const sql = {
    metrics: readQuery('clickhouse', 'metrics'),
    closeSessions: readQuery('clickhouse', 'close-sessions'),
    existingKeys: readQuery('clickhouse', 'existing-keys'),
    orgs: readQuery('clickhouse', 'orgs'),
    schemaMigrations: readQuery('clickhouse', 'schema-migrations'),
  };
  let closed = false;
  const guarded = storeGuard('ClickHouse', () => closed);

  async function migrate() {
    await driver.command(sql.schemaMigrations);
    const done = new Set((await driver.query('SELECT version FROM schema_migrations FINAL')).map((r) => String(r.version)));
    for (const { version, sql: text } of readMigrations('clickhouse')) {
      if (done.has(version)) continue;
      // ClickHouse runs one statement per request; migrations are written idempotent
      // (IF NOT EXISTS), as there is no transaction to roll one back.
      for (const statement of splitStatements(text)) await driver.command(statement);
      await driver.insert('schema_migrations', [{ version, applied_at: Date.now() }]);
    }
  }

  async function insert(batches: readonly (readonly StoredEvent[])[]): Promise<InsertResult[]> {
    const ids = [...new Set(batches.flatMap((events) => events.map((e) => e.id)))];
    const stored = new Set<string>();
    if (ids.length) for (const r of await driver.query(sql.existingKeys, { ids })) stored.add(`${r.org_id}\u0000${r.id}`);
    const rows: Record<string, unknown>[] = [];
    const results = batches.map((events) => {
      let fresh = 0;
      for (const e of events) {
        const key = `${e.orgId}\u0000${e.id}`;
        if (stored.has(key)) continue;
        stored.add(key);
        fresh++;
        rows.push(toRow(e));
      }
      return { stored: fresh, duplicates: events.length - fresh };
    });
    if (rows.length) await driver.insert('events', rows);
    return results;
  }

  /** The SQL's counts; the rows are assembled outside the guard, as its limit is the asker's mistake (a 400), not the store's (a 503). */
  async function counts(spec: MetricQuerySpec): Promise<{ groups: CountGroup[]; misses: CountGroup[] }> {
    const params: QueryParams = {
      by: spec.by,
      bucket: spec.bucket,
      tz: spec.tz,
      from_ms: spec.from ?? null,
      to_ms: spec.to ?? null,
      org: spec.orgId ?? null,
    };
    const groups = toGroups(await driver.query(sql.metrics, params));
    const closing = spec.closeSessionsBefore !== undefined && spec.by !== 'rep';
    const misses = closing ? toGroups(await driver.query(sql.closeSessions, { ...params, before_ms: spec.closeSessionsBefore! })) : [];
    return { groups, misses };
  }

  return {
    migrate: guarded(migrate),
    insert: guarded(insert),
    metrics: async (spec) => {
      const { groups, misses } = await guarded(counts)(spec);
      return assembleRows(spec, groups, misses);
    },
    orgs: guarded(async () => (await driver.query(sql.orgs)).map((r) => String(r.org_id))),
    health: () => probeHealth(closed, () => driver.query('SELECT 1')),
    async close() {
      if (closed) return;
      closed = true;
      await driver.close();
    },
  };
}

function toRow(e: StoredEvent): Record<string, unknown> {
  return {
    org_id: e.orgId,
    id: e.id,
    metric: e.metric,
    visitor_id: e.visitorId,
    session_id: e.sessionId,
    rep_id: e.repId,
    page: e.page,
    call_id: e.callId,
    conversation_id: e.conversationId,
    reason: e.reason,
    occurred_at: e.occurredAt,
    client_occurred_at: e.clientOccurredAt,
    client_sent_at: e.clientSentAt,
    received_at: e.receivedAt,
  };
}

const COUNT_COLUMNS = ['org_id', 'row_key', 'bucket_ms'];
function toGroups(rows: Record<string, unknown>[]): CountGroup[] {
  return rows.map((r) => {
    const counts: Record<string, number> = {};
    for (const [name, value] of Object.entries(r)) if (!COUNT_COLUMNS.includes(name)) counts[name] = Number(value);
    return { orgId: String(r.org_id), rowKey: String(r.row_key), bucketMs: r.bucket_ms === null ? null : Number(r.bucket_ms), counts };
  });
}

/** A migration file's statements: split on semicolons at line ends, comments dropped. */
function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
