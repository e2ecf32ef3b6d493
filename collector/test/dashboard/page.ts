// Driving the dashboard in Chromium: what a test reads off the page, the way a user reads it.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const DASHBOARD_DIR = join(ROOT, 'collector/dashboard/dist');

/** Debian's Chromium, headless (the browser the dashboard tests drive). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });

/** What the collector sends with its pages: no inline script or style anywhere. */
export const STRICT_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** "1,234" → 1234, "62.5 %" → 62.5, "–" → undefined. */
export function numberIn(text: string): number | undefined {
  const t = text.replace(/[,\s%]|pp/g, '').replace('−', '-');
  return t === '–' || t === '' ? undefined : Number(t);
}

export interface CardReading {
  value: string;
  previous: string;
  change: string;
}

/** Every card on the page, by metric id or rate id. */
export function readCards(page: Page): Promise<Record<string, CardReading>> {
  return page.$$eval('[data-metric], [data-rate]', (cards) =>
    Object.fromEntries(
      cards.map((c) => {
        const el = c as HTMLElement;
        const field = (f: string) => (el.querySelector(`[data-field="${f}"]`) as HTMLElement).textContent ?? '';
        return [el.dataset.metric ?? el.dataset.rate, { value: field('value'), previous: field('previous'), change: field('change') }];
      }),
    ),
  );
}

/** A table's header texts and its body rows as texts (the row header first). */
export function readTable(page: Page, selector: string): Promise<{ head: string[]; rows: string[][]; titles: (string | null)[] }> {
  return page.$eval(selector, (t) => {
    const table = t as HTMLTableElement;
    const head = [...table.tHead!.rows[0].cells].map((c) => (c.querySelector('button')?.firstChild?.textContent ?? c.textContent ?? '').trim());
    const body = [...table.tBodies[0].rows].filter((r) => !r.classList.contains('empty-row'));
    return {
      head,
      rows: body.map((r) => [...r.cells].map((c) => c.textContent ?? '')),
      titles: body.map((r) => r.cells[0].getAttribute('title')),
    };
  });
}

/** The rows of the table beside the chart: the bucket (its datetime) and the value shown. */
export function readTrendTable(page: Page): Promise<{ bucket: string; value: string }[]> {
  return page.$$eval('#trend-table tbody tr', (rows) =>
    rows.map((r) => ({ bucket: r.querySelector('time')?.getAttribute('datetime') ?? '', value: (r as HTMLTableRowElement).cells[1].textContent ?? '' })),
  );
}

/** Resolves once the page shows numbers that are not loading any more. */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const data = document.getElementById('data');
    return data && !data.hidden && !data.hasAttribute('aria-busy') && /^Updated/.test(document.getElementById('status')?.textContent ?? '');
  });
}
