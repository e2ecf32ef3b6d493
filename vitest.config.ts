import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.ts', 'collector/test/**/*.test.ts'],
    testTimeout: 20_000,
    setupFiles: ['test/setup.ts'],
  },
});
