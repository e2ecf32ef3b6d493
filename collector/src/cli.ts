#!/usr/bin/env node
// engage-collector [serve] [--db FILE] [--clickhouse URL] [--host H] [--port P] [--config FILE]
// The only place that reads argv and the environment.
import { parseArgs } from 'node:util';
import { startCollector } from './collector.js';

const USAGE = `usage: engage-collector [serve] [--db FILE] [--clickhouse URL] [--host HOST] [--port PORT] [--config FILE]
  --db FILE          DuckDB file, created if missing (default: engage.duckdb in the working directory)
  --clickhouse URL   store in ClickHouse instead: http(s)://user:password@host:8123/database
  --host HOST        listen address (default: $HOST or 127.0.0.1)
  --port PORT        listen port (default: $PORT or 8787)
  --config FILE      access-control config (default: $ENGAGE_CONFIG)`;

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      clickhouse: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve' || positionals.length > 1) throw new Error(`unknown command: ${positionals.join(' ')}\n${USAGE}`);

  const port = Number(values.port ?? process.env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port ?? process.env.PORT}`);
  const collector = await startCollector({
    db: values.db ?? 'engage.duckdb',
    clickhouse: values.clickhouse,
    host: values.host ?? process.env.HOST ?? '127.0.0.1',
    port,
    config: values.config ?? process.env.ENGAGE_CONFIG,
    log: (line) => console.log(line),
  });
  const store = values.clickhouse ? 'ClickHouse' : `DuckDB ${values.db ?? 'engage.duckdb'}`;
  console.log(`engage collector listening on ${collector.url} (${store}; POST ${collector.url}/v1/engage)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void collector.close().then(() => process.exit(0)));
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`engage-collector: ${(err as Error)?.message ?? err}`);
  process.exit(1);
});
