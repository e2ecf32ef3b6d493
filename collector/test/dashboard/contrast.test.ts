// @vitest-environment node
// WCAG AA contrast of the dashboard's colours, read from its stylesheet: text at least 4.5:1
// on the backgrounds it sits on, control borders and the chart line at least 3:1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './page';

const css = readFileSync(join(ROOT, 'collector/dashboard/static/dashboard.css'), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

it.each([
  ['text', 'white', 4.5],
  ['text', 'panel', 4.5],
  ['muted', 'white', 4.5],
  ['muted', 'panel', 4.5],
  ['error-text', 'error-bg', 4.5],
  ['accent', 'white', 3],
  ['focus', 'white', 3],
  ['line', 'white', 3],
])('--%s on --%s passes %s:1', (fg, bg, min) => {
  const colour = (name: string) => (name === 'white' ? '#ffffff' : vars[name]);
  expect(colour(fg), fg).toMatch(/^#/);
  expect(colour(bg), bg).toMatch(/^#/);
  expect(contrast(colour(fg), colour(bg))).toBeGreaterThanOrEqual(min);
});
