// Bundles what `tsc -p tsconfig.build.json` emitted into build/ (see scripts/build.mjs):
// ESM + CJS for the npm entries and one minified IIFE for the script tag, each in a production
// build (error codes, internal property names shortened) and a debug build (messages).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

/**
 * The production bundles: src/debug.ts's DEBUG is false, so the messages written as
 * `DEBUG ? '…' : ''` are left out (onError gets codes); the debug builds keep them.
 */
const build = (debug) => ({
  name: 'debug-flag',
  transform: (code, id) => (!debug && /[\\/]build[\\/]debug\.js$/.test(id) ? code.replace('DEBUG = true', 'DEBUG = false') : null),
});

/**
 * Property names no user and no storage sees: the SDK's own objects (a drain's result, the
 * store, the sender, an answer, the rules), shortened in the production bundles. Never a name
 * of the public API, of the wire format, or of what IndexedDB and localStorage keep (sessions,
 * calls, the stash), which another build reading the same storage must understand.
 */
const INTERNAL = /^(metrics|unknowns|unknown|late|expiresAt|added|dropped|durable|peek|lease|prune|leaving|pending|restore|retryAfter|newId|pageOf|left|extend|remove|online|hidden|visible|stop)$/;

/**
 * idb's build is one file: wrap() and openDB(), then two extensions that install themselves
 * when the file loads (database shortcuts such as db.get(store, key), and async iteration
 * of cursors). The SDK uses neither (store.ts calls wrap() on the open request and speaks to
 * transactions and object stores), so the bundles carry idb without them: the same wrap(),
 * several hundred bytes lighter. The build fails if idb's file no longer has that shape.
 */
const idbWithoutExtensions = () => ({
  name: 'idb-without-extensions',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]idb[\\/]build[\\/]index\.js$/.test(id)) return null;
    const start = code.indexOf("const readMethods = ['get'");
    const end = code.indexOf('export { deleteDB, openDB, unwrap, wrap };');
    if (start < 0 || end < start) this.error('idb: the extensions to leave out were not found where expected');
    return { code: code.slice(0, start) + code.slice(end), map: null };
  },
});

const minify = (compress, mangle = {}, module = false) =>
  terser({ ecma: 2020, module, compress: { passes: 3, pure_getters: true, ...compress }, mangle, format: { comments: false } });
/** The script tag's options (see there), with the internal names shortened. */
// `builtins`: some of these names are also names of DOM properties (pending, restore, hidden…),
// which terser otherwise never shortens; the SDK reads none of them on a DOM object.
const production = (module) => minify({ hoist_funs: true, inline: 1 }, { properties: { regex: INTERNAL, builtins: true } }, module);

/**
 * The npm entries. The tracker's production build comes minified (a bundler's default minifier
 * does less; the source maps lead back to the sources); the debug build and the metrics module
 * (smaller as written) come as written.
 */
const npmEntry = (input, name, minified = false) => ({
  input,
  plugins: [build(name.endsWith('.debug')), idbWithoutExtensions(), nodeResolve({ browser: true })],
  output: [
    { file: `dist/${name}.js`, format: 'es', sourcemap: true, plugins: minified ? [production(true)] : [] },
    { file: `dist/${name}.cjs`, format: 'cjs', sourcemap: true, plugins: minified ? [production(false)] : [] },
  ],
});

const scriptTag = (file, debug) => ({
  input: 'build/script-tag.js',
  plugins: [build(debug), idbWithoutExtensions(), nodeResolve({ browser: true })],
  output: {
    file,
    format: 'iife',
    sourcemap: true,
    // Each measured (gzip): hoist_funs keeps function declarations as such (-39 B); inline: 1
    // inlines no function that takes arguments (-3 B); leaving out unsafe_arrows, which
    // turned function expressions into arrows, saves 5 B more. Rejected as unsafe here:
    // `unsafe` turns String(x) into x+"" (throws on a Symbol, which describe() and parseEvent
    // must report), `unsafe_comps` turns !(a <= b) into a > b (wrong for NaN, which
    // parseEvent's check of `at` relies on).
    plugins: [debug ? minify({ hoist_funs: true, inline: 1 }) : production(false)],
  },
});

export default [
  npmEntry('build/index.js', 'index', true),
  npmEntry('build/index.js', 'index.debug'),
  npmEntry('build/metrics/index.js', 'metrics'),
  scriptTag('dist/engage-tracker.min.js', false),
  scriptTag('dist/engage-tracker.debug.js', true),
  {
    // Already an IIFE: the ES format adds no second wrapper. (Raw bytes count here, and the
    // arrow saves some: the stub's function is never used with `this` or `new`.)
    input: 'src/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es', plugins: [minify({ unsafe_arrows: true })] },
  },
];
