// ClickHouse through @clickhouse/client (HTTP). Filled in by the ClickHouse milestone.
import { StoreUnavailableError, type MetricStore } from '../metric-store.js';

export async function openClickHouseStore(url: string): Promise<MetricStore> {
  throw new StoreUnavailableError(`ClickHouse is not supported yet (${new URL(url).host})`);
}
