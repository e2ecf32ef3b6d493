#!/usr/bin/env node
// engage-collector [serve] [--db FILE] [--clickhouse URL] [--host H] [--port P] [--config FILE]
// The only place that reads argv and the environment.
import { parseArgs } from 'node:util';
import { ACCESS_COMMANDS, ACCESS_USAGE, runAccessCommand } from './auth/commands.js';

const USAGE = `usage: engage-collector [serve] [--db FILE] [--clickhouse URL] [--host HOST] [--port PORT] [--config FILE] [--threads N]
  --db FILE          DuckDB file, created if missing (default: engage.duckdb in the working directory)
  --clickhouse URL   store in ClickHouse instead: http(s)://user:password@host:8123/database
  --host HOST        listen address (default: $HOST or 127.0.0.1)
  --port PORT        listen port (default: $PORT or 8787)
  --config FILE      access-control config (default: $ENGAGE_CONFIG); without one, only a loopback host is allowed
  --threads N        DuckDB worker threads (default 1)
       engage-collector COMMAND [--config FILE] [--json]
${ACCESS_USAGE}`;

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
      json: { type: 'boolean' },
      grace: { type: 'string' },
      origin: { type: 'string', multiple: true },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const command = positionals[0] ?? 'serve';
  if ((ACCESS_COMMANDS as readonly string[]).includes(command)) {
    const config = values.config ?? (process.env.ENGAGE_CONFIG || undefined);
    if (!config) throw new Error(`${command} needs the config file: --config FILE or ENGAGE_CONFIG`);
    const output = await runAccessCommand(positionals, { config, grace: values.grace, origins: values.origin });
    return void console.log(values.json ? JSON.stringify(output.json) : output.text);
  }
  if (command !== 'serve' || positionals.length > 1) throw new Error(`unknown command: ${positionals.join(' ')}\n${USAGE}`);

  // An empty HOST or PORT is unset: '' would listen on every address, or on a random port.
  const env = (name: string) => process.env[name] || undefined;
  const port = Number(values.port ?? env('PORT') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port ?? process.env.PORT}`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) throw new Error(`--threads must be a positive integer, not ${values.threads}`);
  // Loaded for serve only: the access commands need no database driver.
  const { startCollector } = await import('./collector.js');
  const collector = await startCollector({
    threads,
    db: values.db ?? 'engage.duckdb',
    clickhouse: values.clickhouse,
    host: values.host ?? env('HOST') ?? '127.0.0.1',
    port,
    config: values.config ?? env('ENGAGE_CONFIG'),
    log: (line) => console.log(line),
  });
  const store = values.clickhouse ? 'ClickHouse' : `DuckDB ${values.db ?? 'engage.duckdb'}`;
  console.log(`engage collector listening on ${collector.url} (${store}; POST ${collector.url}/v1/engage)`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Stops accepting, commits what is in flight (its answers go out), closes the store.
    process.once(signal, () =>
      void collector.close().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`engage-collector: closing failed: ${(err as Error)?.message ?? err}`);
          process.exit(1);
        },
      ),
    );
  }
}

const argv = process.argv.slice(2);
main(argv).catch((err: unknown) => {
  const message = String((err as Error)?.message ?? err);
  // --json promises one JSON object on stdout: a failure is one too.
  if (argv.includes('--json')) console.log(JSON.stringify({ error: { message } }));
  console.error(`engage-collector: ${message}`);
  process.exit(1);
});
