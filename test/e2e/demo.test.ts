// @vitest-environment node
// The demo end to end (issue 4 item 4): real Chromium clicks through the demo widget, the
// collector (DuckDB) aggregates what arrived, and the page's org table must show exactly the
// expected numbers. Leaves a screenshot in test-results/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../collector/src/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
let browser: Browser;
let collector: Collector;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'engage-demo-'));
  collector = await startCollector({ db: join(dataDir, 'engage.duckdb') });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const EXPECTED_ORG = {
  proactive_call_attempted: 1,
  proactive_call_accepted: 1,
  inbound_call_requested: 2,
  inbound_call_answered: 1,
  inbound_call_missed: 1,
  calls_held: 2,
  proactive_chat_attempted: 1,
  proactive_chat_accepted: 1,
  inbound_chat_requested: 1,
  inbound_chat_answered: 0,
  inbound_chat_missed: 1,
  chats_held: 1,
};

/** The numbers of one table row as the page shows them. */
const row = (page: Page, table: string, key: string) =>
  page.$$eval(`#${table} tr[data-key="${key}"] td[data-metric]`, (cells) =>
    Object.fromEntries(cells.map((td) => [(td as HTMLElement).dataset.metric, td.textContent])),
  );

it('shows exactly the expected metrics after a scripted visit', { timeout: 60_000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(String(err)));
  page.on('console', (msg) => msg.type() === 'error' && problems.push(msg.text()));
  await page.goto(collector.url + '/demo/');
  const click = async (id: string) => page.click('#' + id);

  // A proactive call: offered by rep_ana on /pricing, accepted.
  await page.selectOption('#rep', 'rep_ana');
  await page.selectOption('#page', '/pricing');
  await click('call-offer');
  await click('call-accept');
  await click('call-end');
  // An inbound call answered by rep_bo on /contact.
  await page.selectOption('#rep', 'rep_bo');
  await page.selectOption('#page', '/contact');
  await click('call-request');
  await click('call-answer');
  await click('call-end');
  // An inbound call that rings out on /docs/setup.
  await page.selectOption('#page', '/docs/setup');
  await click('call-request');
  await click('call-timeout');
  // A proactive chat: rep_ana writes first, the visitor answers. Then the session ends.
  await page.selectOption('#rep', 'rep_ana');
  await click('chat-rep');
  await click('chat-visitor');
  await click('end-session');
  // A new session: the visitor writes, nobody answers, the session ends.
  await click('chat-visitor');
  await click('end-session');

  const expected = Object.fromEntries(Object.entries(EXPECTED_ORG).map(([k, v]) => [k, String(v)]));
  await expect.poll(() => row(page, 'by-org', 'demo_org'), { timeout: 20_000, interval: 250 }).toEqual(expected);

  const byRep = { ana: await row(page, 'by-rep', 'rep_ana'), bo: await row(page, 'by-rep', 'rep_bo') };
  expect(byRep.ana).toMatchObject({ proactive_call_attempted: '1', proactive_call_accepted: '1', calls_held: '1', proactive_chat_attempted: '1', proactive_chat_accepted: '1', chats_held: '1', inbound_call_missed: '–' });
  expect(byRep.bo).toMatchObject({ inbound_call_answered: '1', calls_held: '1', inbound_call_requested: '–' });
  expect(await row(page, 'by-page', '/docs/setup')).toMatchObject({ inbound_call_requested: '1', inbound_call_missed: '1' });
  expect(problems).toEqual([]);

  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const screenshot = join(ROOT, 'test-results', 'demo.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`[demo] org row ${JSON.stringify(EXPECTED_ORG)} shown; screenshot: ${screenshot}`);
  await context.close();
});
