// npm run bench:store: the collector's store, measured (issue 13 item 7). Writes the "Store"
// section of bench/RESULTS.md. A few minutes at most; needs `npm run build` first.
//   1. ingest over HTTP: the CLI in its own process on a DuckDB file, 8 clients posting
//      batches of 50 fresh events for 10 s: events/s, p50/p99 batch latency; then the same
//      with every 10th batch a resend (the store's slower path for a group holding a copy);
//   2. GET /v1/metrics?by=rep&bucket=day as the store runs it (SQL + labels and filling) over
//      1 M events on DuckDB;
//   3. the same on ClickHouse in process (chDB) at 1 M, 3 M and 10 M rows, the time per row,
//      and what that projects to at 1 B rows; and the same query without FINAL, to show
//      what the read-time dedupe costs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';
import { Session } from 'chdb';
import { measureIngest } from './store/ingest.mjs';
import { openDuckDbStore } from '../collector/dist/store/duckdb/duckdb-store.js';
import { createClickHouseStore } from '../collector/dist/store/clickhouse/clickhouse-store.js';
import { readQuery, readMigrations } from '../collector/dist/store/sql-files.js';

const dir = mkdtempSync(join(tmpdir(), 'engage-bench-store-'));
const started = Date.now();
const QUERY = { by: 'rep', bucket: 'day', tz: 'UTC' };
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const log = (line) => console.log(line);

function machine() {
  const top = execFileSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .slice(0, 5)
    .map((l) => l.trim().replace(/\s+/, '% '));
  return { load: loadavg().map((l) => l.toFixed(2)).join(', '), uptime: execFileSync('uptime', { encoding: 'utf8' }).trim(), top };
}

async function median(runs, fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

// --- 1. ingest over HTTP ---
async function ingest(options = {}) {
  const db = join(dir, `ingest-${options.resendEvery ?? 0}.duckdb`);
  const child = spawn(process.execPath, ['collector/dist/cli.js', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((done) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const found = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (found) done(found);
    });
  });
  const result = await measureIngest(url, { clients: 8, batchSize: 50, seconds: 10, ...options });
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return result;
}

// --- 2. DuckDB, 1 M events ---
const METRIC_LIST = "['proactive_call_attempted','proactive_call_accepted','inbound_call_requested','inbound_call_answered','inbound_call_missed','proactive_chat_attempted','proactive_chat_accepted','inbound_chat_requested','inbound_chat_answered','inbound_chat_missed']";
async function duckdb(rows) {
  const db = join(dir, 'query.duckdb');
  const instance = await DuckDBInstance.create(db);
  const c = await instance.connect();
  for (const m of readMigrations('duckdb')) await c.run(m.sql);
  const t = performance.now();
  await c.run(`INSERT INTO events
    SELECT 'org_' || (i % 5), 'e' || i, m, 'v' || (hash(i) % 200000), 's' || (hash(i) % 300000),
           CASE WHEN m IN ('inbound_call_requested','inbound_call_missed','inbound_chat_requested','inbound_chat_missed') THEN NULL ELSE 'rep_' || (hash(i * 7) % 50) END,
           '/p' || (i % 30), NULL, NULL, NULL,
           make_timestamptz(CAST(1761955200000 + hash(i * 13) % 2592000000 AS BIGINT) * 1000), '', NULL, now()
    FROM (SELECT i, (${METRIC_LIST})[1 + CAST(hash(i * 3) % 10 AS INTEGER)] AS m FROM range(${rows}) t(i))`);
  const loadMs = performance.now() - t;
  c.closeSync();
  instance.closeSync();
  const store = await openDuckDbStore(db);
  const queryMs = await median(3, () => store.metrics(QUERY));
  const rowsOut = (await store.metrics(QUERY)).length;
  await store.close();
  const store2 = await openDuckDbStore(db, { threads: 2 });
  const queryMs2 = await median(3, () => store2.metrics(QUERY));
  await store2.close();
  return { rows, loadMs, queryMs, queryMs2, rowsOut };
}

// --- 3. chDB at three sizes ---
async function chdb(sizes) {
  const session = new Session(join(dir, 'chdb'));
  const driver = {
    command: async (sql) => void (await session.queryAsync(sql, { format: 'Null' })),
    query: async (sql, params = {}) => (await session.queryBindAsync(sql, params, { format: 'JSONEachRow' })).text().split('\n').filter(Boolean).map((l) => JSON.parse(l)),
    insert: async () => {},
    close: async () => session.cleanup(),
  };
  const store = createClickHouseStore(driver);
  await store.migrate();
  const withoutFinal = readQuery('clickhouse', 'metrics').replace('FROM events FINAL', 'FROM events');
  const results = [];
  let have = 0;
  for (const size of sizes) {
    const t = performance.now();
    await driver.command(`INSERT INTO events
      SELECT concat('org_', toString(number % 5)), concat('e', toString(number)), m,
             concat('v', toString(cityHash64(number) % 200000)), concat('s', toString(cityHash64(number) % 300000)),
             if(m IN ('inbound_call_requested','inbound_call_missed','inbound_chat_requested','inbound_chat_missed'), NULL, concat('rep_', toString(cityHash64(number * 7) % 50))),
             concat('/p', toString(number % 30)), NULL, NULL, NULL,
             fromUnixTimestamp64Milli(toInt64(1761955200000 + cityHash64(number * 13) % 2592000000), 'UTC'), '', NULL, now64(3)
      FROM (SELECT number, arrayElement(${METRIC_LIST}, 1 + cityHash64(number * 3) % 10) AS m FROM numbers(${have}, ${size - have}))`);
    const loadMs = performance.now() - t;
    have = size;
    const queryMs = await median(3, () => store.metrics(QUERY));
    const noFinalMs = await median(3, () => driver.query(withoutFinal, { by: 'rep', bucket: 'day', tz: 'UTC', from_ms: null, to_ms: null, org: null }));
    results.push({ rows: size, loadMs, queryMs, noFinalMs });
    log(`chDB ${fmt(size)} rows: query ${fmt(queryMs)} ms (without FINAL ${fmt(noFinalMs)} ms), loaded in ${fmt(loadMs)} ms`);
  }
  await store.close();
  return results;
}

const before = machine();
log(`machine before: load ${before.load}`);
const ing = await ingest();
log(`ingest: ${fmt(ing.eventsPerSecond)} events/s, p50 ${fmt(ing.p50, 1)} ms, p99 ${fmt(ing.p99, 1)} ms, statuses ${JSON.stringify(ing.statuses)}`);
const resent = await ingest({ resendEvery: 10 });
log(`ingest, every 10th batch resent: ${fmt(resent.eventsPerSecond)} new events/s, p50 ${fmt(resent.p50, 1)} ms, p99 ${fmt(resent.p99, 1)} ms`);
const duck = await duckdb(1_000_000);
log(`DuckDB 1,000,000 events: by=rep&bucket=day ${fmt(duck.queryMs)} ms (1 thread), ${fmt(duck.queryMs2)} ms (2 threads)`);
const ch = await chdb([1_000_000, 3_000_000, 10_000_000]);
const after = machine();
rmSync(dir, { recursive: true, force: true });

// Time per row from the two largest sizes (the fixed cost of a query cancels out).
const [, mid, big] = ch;
const perRow = (big.queryMs - mid.queryMs) / (big.rows - mid.rows);
const projected1B = big.queryMs + perRow * (1e9 - big.rows);
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', 'collector', 'bench'], { encoding: 'utf8' }).trim() ? ' with uncommitted changes' : '';

const section = `## Store (npm run bench:store)

Written by \`node bench/store.bench.mjs\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${dirty}; ${fmt((Date.now() - started) / 60000, 1)} min.

- Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}
- Load average (1, 5, 15 min) before: ${before.load}; after: ${after.load}. Busiest processes before: ${before.top.join('; ')}.
- **The machine was shared with other work while this ran** (other sessions' builds, tests and browsers): every time below is inflated by it, by how much varies from run to run.

| what | figure | target |
| --- | ---: | ---: |
| ingest over HTTP, DuckDB, 8 clients × batches of 50, 10 s | ${fmt(ing.eventsPerSecond)} events/s | ≥ 20,000 |
| batch latency p50 / p99 | ${fmt(ing.p50, 1)} / ${fmt(ing.p99, 1)} ms | |
| the same with every 10th batch a resend: new events stored | ${fmt(resent.eventsPerSecond)} events/s | |
| its batch latency p50 / p99 | ${fmt(resent.p50, 1)} / ${fmt(resent.p99, 1)} ms | |
| \`by=rep&bucket=day\`, DuckDB, 1 M events (1 thread, the default) | ${fmt(duck.queryMs)} ms | < 1,000 |
| the same, DuckDB on 2 threads | ${fmt(duck.queryMs2)} ms | |
${ch.map((r) => `| \`by=rep&bucket=day\`, ClickHouse (chDB, in process), ${fmt(r.rows / 1e6)} M rows, with FINAL | ${fmt(r.queryMs)} ms | ${r.rows === 1e6 ? '< 1,000' : ''} |`).join('\n')}
${ch.map((r) => `| the same without FINAL (no read-time dedupe), ${fmt(r.rows / 1e6)} M rows | ${fmt(r.noFinalMs)} ms | |`).join('\n')}
| ClickHouse time per extra row (3 M → 10 M) | ${fmt(perRow * 1e6, 1)} ms per million rows | |
| projected to 1 B rows on this machine (linear, one process, FINAL) | ${fmt(projected1B / 1000)} s | |

ClickHouse figures are chDB (the ClickHouse 26.7 engine inside the Node process), not a server:
no server was at hand. A server with more cores runs the same SQL files in parallel across
them; the 1 B projection is a straight line through the two largest sizes on 2 shared cores,
an upper bound more than a forecast. Ingest answered ${JSON.stringify(ing.statuses)} (status: batches);
with resends ${JSON.stringify(resent.statuses)}. A group of batches goes into DuckDB through an appender; a
group holding an event stored already goes again through \`INSERT OR IGNORE\`, the slower path
the resend figure shows.
`;

const file = 'bench/RESULTS.md';
const text = readFileSync(file, 'utf8');
const start = text.indexOf('## Store (npm run bench:store)');
// The section ends where the next one (or another benchmark's marker) begins.
const ends = start < 0 ? [] : ['\n## ', '\n<!--'].map((mark) => text.indexOf(mark, start + 1)).filter((i) => i >= 0);
const next = ends.length ? Math.min(...ends) : -1;
writeFileSync(file, start < 0 ? `${text.trimEnd()}\n\n${section}` : text.slice(0, start) + section + (next < 0 ? '' : text.slice(next)));
log(`bench/RESULTS.md: Store section written`);
