// Reading a collector's DuckDB file directly, once the collector is closed: what a user
// would find in it.
import { DuckDBInstance } from '@duckdb/node-api';

export interface StoredRow {
  orgId: string;
  id: string;
  metric: string;
  occurredAt: string;
  clientOccurredAt: string;
  clientSentAt: string | null;
}

export async function readStoredRows(file: string): Promise<StoredRow[]> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(
      `SELECT org_id, id, metric, strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ'), client_occurred_at, client_sent_at FROM events ORDER BY received_at, id`,
    );
    return result.getRows().map((r) => ({
      orgId: String(r[0]),
      id: String(r[1]),
      metric: String(r[2]),
      occurredAt: String(r[3]),
      clientOccurredAt: String(r[4]),
      clientSentAt: r[5] === null ? null : String(r[5]),
    }));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
