// npm run size: gzip and brotli size of what each kind of user downloads, against its budget.
// Run after `npm run build` (npm test does both). Exits 1 when anything is over budget. The
// budgets are what the build reached when they were last set: a bundle that grows fails. test/size-claims.test.ts
// imports measureSizes() to keep the README's figures equal to these.
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
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

export const ENTRIES = [
  { key: 'script', name: 'script tag: dist/engage-tracker.min.js', budget: 8_445, code: () => readFileSync('dist/engage-tracker.min.js', 'utf8') }, // as served, with its sourceMappingURL line
  { key: 'npm', name: "npm: import { createTracker } from 'engage-tracker'", budget: 7_999, code: () => asImported("import { createTracker } from './dist/index.js'; console.log(createTracker);") },
  { key: 'metrics', name: "npm: import { aggregate, METRICS } from 'engage-tracker/metrics'", budget: 3_265, code: () => asImported("import { aggregate, METRICS } from './dist/metrics.js'; console.log(aggregate, METRICS);") },
  { key: 'snippet', name: 'loader snippet: dist/snippet.min.js (minified, not gzipped)', budget: 600, raw: true, code: () => readFileSync('dist/snippet.min.js', 'utf8') },
];

/** Each entry's bytes, gzip (level 9) and brotli (quality 11) sizes; `measured` is what its budget counts. */
export async function measureSizes() {
  const sizes = [];
  for (const entry of ENTRIES) {
    const code = await entry.code();
    const bytes = Buffer.byteLength(code);
    const gzip = gzipSync(code, { level: 9 }).length;
    const brotli = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    const measured = entry.raw ? bytes : gzip;
    sizes.push({ key: entry.key, name: entry.name, budget: entry.budget, bytes, gzip, brotli, measured, ok: measured <= entry.budget });
  }
  return sizes;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await measureSizes();
  console.log('bytes      gzip    brotli  budget  entry');
  for (const s of sizes) {
    console.log(`${String(s.bytes).padEnd(10)} ${String(s.gzip).padEnd(7)} ${String(s.brotli).padEnd(7)} ${String(s.budget).padEnd(7)} ${s.ok ? 'ok  ' : 'OVER'} ${s.name}`);
  }
  if (sizes.some((s) => !s.ok)) {
    console.error('size: over budget');
    process.exit(1);
  }
}
