// @vitest-environment node
// The README's size table must say what `npm run size` measures on this build (STYLE.md: "the
// README states the numbers and a check keeps them equal"). Needs `npm run build` first, as
// `npm test` does. The budgets themselves are checked by `npm run size`.
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

interface Size {
  key: 'script' | 'npm' | 'metrics' | 'snippet';
  budget: number;
  bytes: number;
  gzip: number;
}
// A variable path: scripts/ is plain JavaScript, outside the typed sources.
const SIZE_SCRIPT = '../scripts/size.mjs';

/** A distinctive part of each entry's row in the README's table. */
const ROW_LABELS: Record<Size['key'], string> = {
  script: '`dist/engage-tracker.min.js`',
  npm: '`import { createTracker }`',
  metrics: "from 'engage-tracker/metrics'`",
  snippet: 'loader snippet',
};

it('the README states the sizes and budgets npm run size measures', { timeout: 60_000 }, async () => {
  expect(existsSync('dist/engage-tracker.min.js'), 'run `npm run build` first').toBe(true);
  const { measureSizes } = (await import(SIZE_SCRIPT)) as { measureSizes: () => Promise<Size[]> };
  const sizes = await measureSizes();
  const rows = readFileSync('README.md', 'utf8').split('\n').filter((line) => line.startsWith('|'));

  const stated: Record<string, string[]> = {};
  const measured: Record<string, string[]> = {};
  for (const size of sizes) {
    const row = rows.find((line) => line.includes(ROW_LABELS[size.key])) ?? '';
    stated[size.key] = row.split('|').slice(2, 4).map((cell) => cell.trim());
    const shown = size.key === 'snippet' ? `${size.bytes} B` : `${(size.gzip / 1000).toFixed(1)} KB`;
    measured[size.key] = [shown, `${size.budget.toLocaleString('en')} B`];
  }
  expect(stated).toEqual(measured);
});
