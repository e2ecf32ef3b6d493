// Which build this is. True in the sources (the tests run them) and in the debug build
// (dist/engage-tracker.debug.js, the `debug` export condition): errors and diagnostics in words.
// The production bundles are built with false (rollup.config.mjs): every message written as
// `DEBUG ? '…' : ''` drops out of them, and what onError receives carries its code (with the
// status or the count where there is one); `debug: true` logs nothing there.
export const DEBUG: boolean = true;
