// The store the options name: ClickHouse when given a URL, else the DuckDB file.
import { openClickHouseStore } from './clickhouse/clickhouse-store.js';
import { openDuckDbStore } from './duckdb/duckdb-store.js';
import type { MetricStore } from './metric-store.js';

export function openStore(options: { db: string; clickhouse?: string; threads?: number }): Promise<MetricStore> {
  return options.clickhouse ? openClickHouseStore(options.clickhouse) : openDuckDbStore(options.db, { threads: options.threads });
}
