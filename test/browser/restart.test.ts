// @vitest-environment node
// Events survive a browser restart (issue 3, item 4): a persistent profile on disk, events
// stored while the collector is down, the browser closed, a new browser on the same profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appUrl, callIds, CHROMIUM, countLine, errorCodes, LAUNCH_ARGS, outboxHolds, startCollector, startStatic, type Collector, type StaticServer } from './harness';

let web: StaticServer;
let c: Collector;
let profile: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [web, c] = await Promise.all([startStatic(), startCollector()]);
  profile = mkdtempSync(join(tmpdir(), 'engage-restart-'));
}, 90_000); // startStatic() waits out a concurrent `npm run build`
afterAll(async () => {
  await Promise.all(contexts.map((x) => x.close().catch(() => {})));
  await Promise.all([web?.close(), c?.close()]);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const open = async () => {
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  contexts.push(context);
  return context;
};

describe('real Chromium restart', () => {
  it('(i) events stored while the collector is down are delivered after the browser restarts', async () => {
    const org = 'org_restart';
    const ids = callIds('restart', 20);
    c.down();
    const first = await open();
    const page = first.pages()[0] ?? (await first.newPage());
    await page.goto(appUrl(web, { org, endpoint: c.endpoint, flushIntervalMs: 60_000 }));
    await page.waitForFunction(() => 'tracker' in window);
    await page.evaluate((ids) => {
      const { tracker } = window as unknown as { tracker: { track(e: object): void } };
      for (const callId of ids) tracker.track({ type: 'call.requested', callId });
    }, ids);
    await outboxHolds(page, org, 20);
    const attemptsBefore = c.requests.length;
    await first.close(); // the whole browser goes away
    c.up();

    const started = Date.now();
    const second = await open();
    const next = second.pages()[0] ?? (await second.newPage());
    // A short interval: events a hiding page handed to keepalive wait out their grace (30 s) on it.
    await next.goto(appUrl(web, { org, endpoint: c.endpoint, flushIntervalMs: 1_000 }));
    await c.uniqueEvents(20, 'events after the restart', 45_000);
    const took = Date.now() - started;
    countLine('restart', 20, c, `${attemptsBefore} failed connections before the restart, delivered ${(took / 1000).toFixed(1)} s after it`);
    expect(new Set([...c.unique().values()].map((e) => e.callId))).toEqual(new Set(ids));
    expect(c.duplicates()).toBe(0);
    expect(await errorCodes(next)).toEqual([]);
  }, 75_000);
});
