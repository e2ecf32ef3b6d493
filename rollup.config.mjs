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

const minify = terser({
  ecma: 2020,
  compress: { passes: 3, unsafe_arrows: true, pure_getters: true },
  format: { comments: false },
});

export default [
  npmEntry('build/index.js', 'index'),
  npmEntry('build/metrics/index.js', 'metrics'),
  {
    input: 'build/script-tag.js',
    plugins: [nodeResolve({ browser: true })],
    treeshake: idbUsed,
    output: { file: 'dist/engage-tracker.min.js', format: 'iife', sourcemap: true, plugins: [minify] },
  },
  {
    // Already an IIFE: the ES format adds no second wrapper.
    input: 'src/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es', plugins: [minify] },
  },
];
