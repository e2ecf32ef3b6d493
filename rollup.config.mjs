// Bundles what `tsc -p tsconfig.build.json` emitted into build/ (see scripts/build.mjs):
// ESM + CJS for the npm entries and one minified IIFE for the script tag. idb is inlined
// everywhere, tree-shaken below what a user's bundler could do on its own (see idbUsed).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// idb registers its database shortcuts and async iterators at import; we use neither.
const idbUsed = { manualPureFunctions: ['replaceTraps'] };

const npmEntry = (input, name) => ({
  input,
  plugins: [nodeResolve({ browser: true })],
  treeshake: idbUsed,
  output: [
    { file: `dist/${name}.js`, format: 'es', sourcemap: true },
    { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true },
  ],
});

const minify = (compress) => terser({ ecma: 2020, compress: { passes: 3, pure_getters: true, ...compress }, format: { comments: false } });

export default [
  npmEntry('build/index.js', 'index'),
  npmEntry('build/metrics/index.js', 'metrics'),
  {
    input: 'build/script-tag.js',
    plugins: [nodeResolve({ browser: true })],
    treeshake: idbUsed,
    output: {
      file: 'dist/engage-tracker.min.js',
      format: 'iife',
      sourcemap: true,
      // Each measured (gzip): hoist_funs keeps function declarations as such (-39 B); inline: 1
      // inlines no function that takes arguments (-3 B); leaving out unsafe_arrows, which
      // turned function expressions into arrows, saves 5 B more. Rejected as unsafe here:
      // `unsafe` turns String(x) into x+"" (throws on a Symbol, which describe() and parseEvent
      // must report), `unsafe_comps` turns !(a <= b) into a > b (wrong for NaN, which
      // parseEvent's check of `at` relies on).
      plugins: [minify({ hoist_funs: true, inline: 1 })],
    },
  },
  {
    // Already an IIFE: the ES format adds no second wrapper. (Raw bytes count here, and the
    // arrow saves some: the stub's function is never used with `this` or `new`.)
    input: 'src/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es', plugins: [minify({ unsafe_arrows: true })] },
  },
];
