// npm run build: tsc → build/ (JS + .d.ts), rollup → dist/, then the declarations into dist/types.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const run = (bin, args) => execFileSync(process.execPath, [bin, ...args], { stdio: 'inherit' });

rmSync('build', { recursive: true, force: true });
rmSync('dist', { recursive: true, force: true });
run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
run('node_modules/rollup/dist/bin/rollup', ['-c', '--silent']);
cpSync('build', 'dist/types', { recursive: true, filter: (p) => !p.endsWith('.js') });

// Subresource Integrity for the script tag's `integrity` attribute.
const sri = 'sha384-' + createHash('sha384').update(readFileSync('dist/engage-tracker.min.js')).digest('base64');
writeFileSync('dist/engage-tracker.min.js.sri', sri + '\n');
// The shipped snippet carries this build's hash; only the URL is left to fill in.
writeFileSync('dist/snippet.min.js', readFileSync('dist/snippet.min.js', 'utf8').replace('sha384-REPLACE', sri));
console.log(`dist/engage-tracker.min.js integrity: ${sri}`);

// The collector (a workspace) imports engage-tracker/metrics from dist/: built after it.
rmSync('collector/dist', { recursive: true, force: true });
run('node_modules/typescript/bin/tsc', ['-p', 'collector/tsconfig.json']);
// The dashboard page (TypeScript, CSS, uPlot) bundled into collector/dashboard/dist, served at /.
run('collector/dashboard/build.mjs', []);
