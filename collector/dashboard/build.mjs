// Builds the dashboard into static files the collector serves at /: tsc (type check and
// emit) → rollup (one minified IIFE with uPlot inside) → the page, its CSS and uPlot's CSS
// copied beside it. Nothing is fetched at run time from anywhere but the collector.
//
//   node collector/dashboard/build.mjs [OUT_DIR]     default collector/dashboard/dist (served at /)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const out = resolve(process.argv[2] ?? join(here, 'dist'));
const emitted = join(here, 'build');

rmSync(emitted, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });

const bundle = await rollup({ input: join(emitted, 'main.js'), plugins: [nodeResolve({ browser: true })] });
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle.write({
  file: join(out, 'dashboard.js'),
  format: 'iife',
  sourcemap: true,
  plugins: [terser({ ecma: 2020, format: { comments: false } })],
});
await bundle.close();

copyFileSync(join(here, 'static/index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'static/dashboard.css'), join(out, 'dashboard.css'));
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), join(out, 'uPlot.min.css'));
console.log(`dashboard built into ${out}`);
