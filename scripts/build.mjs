// npm run build: tsc → build/ (JS + .d.ts), rollup → dist/, then the declarations into dist/types.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

const run = (bin, args) => execFileSync(process.execPath, [bin, ...args], { stdio: 'inherit' });

rmSync('build', { recursive: true, force: true });
rmSync('dist', { recursive: true, force: true });
run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
run('node_modules/rollup/dist/bin/rollup', ['-c', '--silent']);
cpSync('build', 'dist/types', { recursive: true, filter: (p) => !p.endsWith('.js') });
