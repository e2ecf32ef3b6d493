import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { readQuery, readMigrations } from '/work/main/collector/dist/store/sql-files.js';
import { openDuckDbStore } from '/work/main/collector/dist/store/duckdb/duckdb-store.js';
const db = '/tmp/q1m.duckdb';
const METRIC_LIST = "['proactive_call_attempted','proactive_call_accepted','inbound_call_requested','inbound_call_answered','inbound_call_missed','proactive_chat_attempted','proactive_chat_accepted','inbound_chat_requested','inbound_chat_answered','inbound_chat_missed']";
if (!existsSync(db)) {
  const instance = await DuckDBInstance.create(db); const c = await instance.connect();
  for (const m of readMigrations('duckdb')) await c.run(m.sql);
  await c.run(`INSERT INTO events
    SELECT 'org_' || (i % 5), 'e' || i, m, 'v' || (hash(i) % 200000), 's' || (hash(i) % 300000),
           CASE WHEN m IN ('inbound_call_requested','inbound_call_missed','inbound_chat_requested','inbound_chat_missed') THEN NULL ELSE 'rep_' || (hash(i * 7) % 50) END,
           '/p' || (i % 30), NULL, NULL, NULL,
           make_timestamptz(CAST(1761955200000 + hash(i * 13) % 2592000000 AS BIGINT) * 1000), '', NULL, now()
    FROM (SELECT i, (${METRIC_LIST})[1 + CAST(hash(i * 3) % 10 AS INTEGER)] AS m FROM range(1000000) t(i))`);
  c.closeSync(); instance.closeSync();
}
const threads = Number(process.argv[2] ?? 1);
const inst = await DuckDBInstance.create(db, { threads: String(threads) }); const c = await inst.connect();
const time = async (label, fn) => { const ts = []; for (let i = 0; i < 5; i++) { const t = performance.now(); await fn(); ts.push(performance.now() - t); } ts.sort((a,b)=>a-b); console.log(label, ts[2].toFixed(0), 'ms'); };
const scope = { from_ms: null, to_ms: null, org: null };
const range = (await c.runAndReadAll(readQuery('duckdb', 'event-range'), scope)).getRows()[0];
await time('event-range', () => c.runAndReadAll(readQuery('duckdb', 'event-range'), scope));
const starts = []; for (let t = 1761955200000; t <= Number(range[1]) + 86400000; t += 86400000) starts.push(t);
await time('metrics.sql', () => c.runAndReadAll(readQuery('duckdb', 'metrics'), { ...scope, by: 'rep', starts: JSON.stringify(starts), end_ms: starts.at(-1) + 86400000 }));
await time('metrics.sql no buckets', () => c.runAndReadAll(readQuery('duckdb', 'metrics'), { ...scope, by: 'rep', starts: '[]', end_ms: null }));
c.closeSync(); inst.closeSync();
const store = await openDuckDbStore(db, { threads });
await time('store.metrics', () => store.metrics({ by: 'rep', bucket: 'day', tz: 'UTC' }));
await store.close();
