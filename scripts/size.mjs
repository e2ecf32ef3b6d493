// npm run size: gzip and brotli size of what each kind of user downloads, against its budget.
// Run after `npm run build`. Exits 1 when anything is over budget.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFileSync } from 'node:fs';
import { rollup } from 'rollup';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Bundles `code` as a user's bundler would (tree-shaken, minified, idb included). */
async function asImported(code) {
  const bundle = await rollup({
    input: 'entry',
    plugins: [
      { name: 'entry', resolveId: (id) => (id === 'entry' ? id : null), load: (id) => (id === 'entry' ? code : null) },
      nodeResolve({ browser: true }),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ecma: 2020, module: true })] });
  return output[0].code;
}

const entries = [
  { name: 'script tag: dist/engage-tracker.min.js (idb included)', budget: 5_120, code: () => readFileSync('dist/engage-tracker.min.js', 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '') },
  { name: "npm: import { createTracker } from 'engage-tracker'", budget: 4_608, code: () => asImported("import { createTracker } from './dist/index.js'; console.log(createTracker);") },
  { name: "npm: import { aggregate, METRICS } from 'engage-tracker/metrics'", budget: 1_536, code: () => asImported("import { aggregate, METRICS } from './dist/metrics.js'; console.log(aggregate, METRICS);") },
  { name: 'loader snippet: dist/snippet.min.js (minified, not gzipped)', budget: 600, raw: true, code: () => readFileSync('dist/snippet.min.js', 'utf8') },
];

let over = false;
console.log('bytes      gzip    brotli  budget  entry');
for (const entry of entries) {
  const code = await entry.code();
  const gzip = gzipSync(code, { level: 9 }).length;
  const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const measured = entry.raw ? Buffer.byteLength(code) : gzip;
  const ok = measured <= entry.budget;
  over ||= !ok;
  console.log(`${String(Buffer.byteLength(code)).padEnd(10)} ${String(gzip).padEnd(7)} ${String(brotli).padEnd(7)} ${String(entry.budget).padEnd(7)} ${ok ? 'ok  ' : 'OVER'} ${entry.name}`);
}
if (over) {
  console.error('size: over budget');
  process.exit(1);
}
