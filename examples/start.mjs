// npm start: builds the SDK and the collector, then runs the collector on the DuckDB default
// (engage.duckdb in the working directory, or DB): the dashboard at /, the widget demo at /demo/.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });

const { startCollector } = await import('../collector/dist/index.js');
const collector = await startCollector({
  port: Number(process.env.PORT || 8787),
  host: process.env.HOST || '127.0.0.1',
  db: process.env.DB || 'engage.duckdb',
  // The open-mode notice and errors; not the JSON line of every request the demo makes.
  log: (line) => (!line.startsWith('{') || line.includes('"level":"error"')) && console.log(line),
});
console.log(
  `\nengage-tracker: dashboard ${collector.url}/, widget demo ${collector.url}/demo/\n` +
    `(collector: POST ${collector.url}/v1/engage, GET ${collector.url}/v1/metrics?by=org|rep|page; Ctrl+C to stop)`,
);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => collector.close().then(() => process.exit(0)));
