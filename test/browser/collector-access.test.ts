// @vitest-environment node
// The script-tag SDK in real Chromium against the real collector with a config file (issue 18),
// from another origin: the key reaches it in the body, a refused key is reported once as
// delivery_unauthorized, and a 429's Retry-After is readable by the page (CORS exposes it),
// so the tracker waits as long as the collector asked.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAccessCommand } from '../../collector/src/auth/commands.js';
import { startCollector, type Collector } from '../../collector/src/index.js';
import { appUrlWith, launch, startStatic, type AppWindow, type StaticServer } from './harness';

let browser: Browser;
let web: StaticServer;
let context: BrowserContext;
let collector: Collector;
let secrets: { ingestKey: string; readToken: string };

beforeAll(async () => {
  [browser, web] = await Promise.all([launch(), startStatic()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await web?.close();
});
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engage-browser-access-'));
  const config = join(dir, 'engage.json');
  // The test page's origin is allowed; the key may send one batch every 10 s after the first.
  secrets = (await runAccessCommand(['org', 'add', 'org_b'], { config, origins: [web.origin] })).json as typeof secrets;
  const { writeFileSync, readFileSync } = await import('node:fs');
  const data = JSON.parse(readFileSync(config, 'utf8'));
  data.limits = { ingestPerKey: { perSecond: 0.1, burst: 1 } };
  writeFileSync(config, JSON.stringify(data));
  collector = await startCollector({ db: join(dir, 'b.duckdb'), config, statics: {} });
  context = await browser.newContext();
});
afterEach(async () => {
  await context?.close();
  await collector?.close();
});

const open = async (options: object): Promise<Page> => {
  const page = await context.newPage();
  // The debug build: its messages say the status and the delay the tracker chose.
  await page.goto(appUrlWith(web, { orgId: 'org_b', endpoint: `${collector.url}/v1/engage`, flushIntervalMs: 60_000, ...options }).replace('/pages/app.html', '/pages/app-debug.html'));
  await page.waitForFunction(() => 'tracker' in window);
  return page;
};
const trackAndFlush = (page: Page, callId: string) =>
  page.evaluate(async (callId) => {
    const { tracker } = window as unknown as AppWindow;
    tracker.track({ type: 'call.requested', callId });
    await tracker.flush();
  }, callId);
const trackerErrors = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).trackerErrors);
const storedCount = async () => {
  const res = await fetch(`${collector.url}/v1/metrics?by=org`, { headers: { authorization: `Bearer ${secrets.readToken}` } });
  const rows = (await res.json()) as { counts: Record<string, number> }[];
  return rows[0]?.counts.inbound_call_requested ?? 0;
};

describe('the SDK against a collector that checks keys', () => {
  it('delivers with the key, and reads the Retry-After of a 429 from another origin', async () => {
    const page = await open({ key: secrets.ingestKey });
    await trackAndFlush(page, 'c1');
    expect(await storedCount()).toBe(1);
    await trackAndFlush(page, 'c2'); // over the key's limit: 429, Retry-After: 5 to 10 (s)
    const [failed] = await trackerErrors(page);
    expect(failed.code).toBe('delivery_failed');
    expect(failed.message).toContain('(429)');
    // Unread, the header would leave the SDK's own backoff: at most 1 s on a first failure.
    const delayMs = Number(/retry in (\d+) ms/.exec(failed.message)?.[1]);
    expect(delayMs).toBeGreaterThanOrEqual(2_000);
  }, 60_000);

  it('reports a refused key once as delivery_unauthorized and keeps the events', async () => {
    const page = await open({ key: 'ek_revokedrevokedrevokedrevokedrevokedrevoked' });
    await trackAndFlush(page, 'c1');
    await trackAndFlush(page, 'c2');
    expect((await trackerErrors(page)).map((e) => e.code)).toEqual(['delivery_unauthorized']);
    expect(await storedCount()).toBe(0);
    // The site fixes its key: the next page load delivers what the first one kept.
    const fixed = await open({ key: secrets.ingestKey });
    await fixed.evaluate(() => (window as unknown as AppWindow).tracker.flush());
    expect(await storedCount()).toBe(2);
  }, 60_000);
});
