// The ClickHouse server path: @clickhouse/client over HTTP(S), as thin as it gets. The URL is
// the client's: http(s)://user:password@host:port/database (ClickHouse Cloud: https, port 8443).
import { createClient } from '@clickhouse/client';
import type { ClickHouseDriver } from './driver.js';

export async function createClientDriver(url: string): Promise<ClickHouseDriver> {
  const client = createClient({
    url,
    // Acknowledged means written: wait for the insert to be on disk, not just queued.
    clickhouse_settings: { async_insert: 0, date_time_input_format: 'best_effort', output_format_json_quote_64bit_integers: 0 },
  });
  const ping = await client.ping();
  if (!ping.success) {
    await client.close();
    throw ping.error;
  }
  return {
    async command(sql) {
      await client.command({ query: sql });
    },
    async query(sql, params = {}) {
      const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return result.json<Record<string, unknown>>();
    },
    async insert(table, rows) {
      await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
    },
    close: () => client.close(),
  };
}
