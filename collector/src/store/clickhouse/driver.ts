// The few things the ClickHouse store asks of a connection. The server path implements them
// with @clickhouse/client (client-driver.ts); the tests and the benchmark with chDB, the same
// engine in process, so the SQL files CI runs are the ones a server runs.
export type QueryParams = Record<string, string | number | null | readonly string[]>;

export interface ClickHouseDriver {
  /** A statement without a result (DDL). */
  command(sql: string): Promise<void>;
  /** Rows as objects (JSONEachRow); values only as bound {name:Type} parameters. */
  query(sql: string, params?: QueryParams): Promise<Record<string, unknown>[]>;
  /** Rows as JSONEachRow into the table; resolves once ClickHouse has written them. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}
