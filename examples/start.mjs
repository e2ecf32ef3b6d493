// npm start: builds the SDK, starts the example collector serving the demo page, prints the URL.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });

const { startCollector } = await import('./collector/server.mjs');
const collector = await startCollector({
  port: Number(process.env.PORT ?? 8787),
  dataFile: process.env.DATA_FILE ?? fileURLToPath(new URL('./collector/data/demo.ndjson', import.meta.url)),
  staticDir: fileURLToPath(new URL('./demo/', import.meta.url)),
});
console.log(`\nengage-tracker demo: ${collector.url}/\n(collector: POST ${collector.url}/v1/engage, GET ${collector.url}/v1/metrics?by=org|rep|page; Ctrl+C to stop)`);
