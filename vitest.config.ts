import { configDefaults, defineConfig } from 'vitest/config';

// ENGINES=firefox (or webkit, or a list) runs the browser suite in those engines only: the
// every-engine scenarios there, and the Chromium-only browser tests only when chromium is named.
const engines = process.env.ENGINES?.trim() ? process.env.ENGINES.split(',').map((e) => e.trim().toLowerCase()) : undefined;
const chromiumOnly = engines && !engines.includes('chromium') ? ['test/browser/!(every-engine)*.test.ts'] : [];

export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', 'collector/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...chromiumOnly],
    testTimeout: 20_000,
    setupFiles: ['test/setup.ts'],
  },
});
