// ClickHouse in process (chDB) behind the store's driver interface: the SQL files of
// collector/sql/clickhouse run here exactly as a server would run them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import type { ClickHouseDriver } from '../../src/store/clickhouse/driver.js';

export function createChdbDriver(): ClickHouseDriver & { session: Session } {
  const dir = mkdtempSync(join(tmpdir(), 'engage-chdb-'));
  const session = new Session(dir);
  return {
    session,
    async command(sql) {
      await session.queryAsync(sql, { format: 'Null' });
    },
    async query(sql, params = {}) {
      const text = (await session.queryBindAsync(sql, params, { format: 'JSONEachRow' })).text();
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async insert(table, rows) {
      await session.insert({ table, values: rows.map((r) => JSON.stringify(r)).join('\n') + '\n', format: 'JSONEachRow' });
    },
    async close() {
      session.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
