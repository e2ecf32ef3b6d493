// @vitest-environment node
// The trend's time axis on DST change days, drawn in Chromium: every label is the local time
// of a bucket the collector gave, also when the browser's own zone skips that hour. uPlot
// 1.6.32's own tzDate helper gets these wrong (the check at the end keeps the reason on
// record); the page labels the axis from the instants with Intl instead.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStub, type StubCollector } from './stub-collector';
import { launchChromium, ROOT, settled } from './page';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(() => browser?.close());

/** The collector's hour buckets of one local day: start instants and their local ISO strings. */
function hourBuckets(zone: string, fromIso: string, toIso: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(fromIso); t < Date.parse(toIso); t += 3600e3) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' })
        .formatToParts(t)
        .map((p) => [p.type, p.value]),
    );
    const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName.slice(3);
    out.push(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`);
  }
  return out;
}

/** The time labels of the chart's latest drawing (one pixel narrower: the chart draws afresh). */
async function axisLabels(page: Page): Promise<string[]> {
  const size = page.viewportSize()!;
  await page.evaluate(() => ((window as unknown as { drawn: string[] }).drawn = []));
  await page.setViewportSize({ width: size.width - 1, height: size.height });
  await page.waitForFunction(() => (window as unknown as { drawn: string[] }).drawn.some((t) => /^\d\d:\d\d$/.test(t)));
  return page.evaluate(() => (window as unknown as { drawn: string[] }).drawn.filter((t) => /^\d\d:\d\d$/.test(t)));
}

async function chartOf(browserZone: string, zone: string, day: string, buckets: string[]): Promise<{ labels: string[]; stub: StubCollector }> {
  const stub = await startStub((_req, url) => {
    if (url.pathname === '/v1/session') return { status: 200, body: { mode: 'open', orgs: ['org_1'] } };
    if (url.searchParams.get('bucket') === 'hour') return { status: 200, body: buckets.map((bucket, i) => ({ orgId: 'org_1', bucket, counts: { calls_held: i } })) };
    return { status: 200, body: [{ orgId: 'org_1', counts: { calls_held: 1 } }] };
  });
  const context = await browser.newContext({ timezoneId: browserZone, viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { drawn: string[] };
    w.drawn = [];
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    const clearRect = CanvasRenderingContext2D.prototype.clearRect;
    // uPlot clears the whole canvas before each drawing: keep the texts of the latest only.
    CanvasRenderingContext2D.prototype.clearRect = function (x: number, y: number, width: number, height: number) {
      if (x === 0 && y === 0 && width >= this.canvas.width && height >= this.canvas.height) w.drawn = [];
      return clearRect.call(this, x, y, width, height);
    };
    CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, max?: number) {
      w.drawn.push(text);
      return max === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, max);
    };
  });
  await page.goto(`${stub.url}?range=custom&from=${day}&to=${day}&tz=${encodeURIComponent(zone)}&bucket=hour`);
  await settled(page);
  const labels = await axisLabels(page);
  await context.close();
  return { labels, stub };
}

const localTimes = (buckets: string[]) => buckets.map((b) => b.slice(11, 16));

describe('hour labels on DST change days', () => {
  it.each([
    ['UTC chart in a Berlin browser on the day Berlin springs forward', 'Europe/Berlin', 'UTC', '2026-03-29', '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z'],
    ['New York chart in a Berlin browser on the day Berlin springs forward', 'Europe/Berlin', 'America/New_York', '2026-03-29', '2026-03-29T04:00:00Z', '2026-03-30T04:00:00Z'],
    ['Berlin chart on its own 23-hour day', 'Europe/Berlin', 'Europe/Berlin', '2026-03-29', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'],
    ['New York chart on its own 25-hour day', 'UTC', 'America/New_York', '2026-11-01', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'],
  ])('%s', async (_name, browserZone, zone, day, from, to) => {
    const buckets = hourBuckets(zone, from, to);
    const { labels, stub } = await chartOf(browserZone, zone, day, buckets);
    await stub.close();
    // Each wall hour once, in order, the buckets' local times at a whole step: none shifted.
    const hour = (t: string) => Number(t.slice(0, 2));
    const step = Math.min(...labels.slice(1).map((t, i) => hour(t) - hour(labels[i])).filter((d) => d > 0));
    expect([1, 2, 3, 4, 6, 12]).toContain(step);
    expect(labels).toEqual([...new Set(localTimes(buckets))].filter((t) => hour(t) % step === 0));
    expect(labels.length).toBeGreaterThanOrEqual(8);
  }, 60_000);
});

describe('why the page labels the axis itself', () => {
  it("uPlot 1.6.32's own tzDate draws 01:00 UTC as 12am in a Berlin browser on its spring-forward day", async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    await page.setContent('<div id="c"></div>');
    await page.addScriptTag({ content: readFileSync(`${ROOT}/node_modules/uplot/dist/uPlot.iife.js`, 'utf8') });
    const labels = await page.evaluate(async () => {
      const drawn: string[] = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (t: string, x: number, y: number) {
        drawn.push(t);
        return fillText.call(this, t, x, y);
      };
      const U = (window as unknown as { uPlot: { new (o: object, d: number[][], el: HTMLElement | null): unknown; tzDate(d: Date, tz: string): Date } }).uPlot;
      const start = Date.parse('2026-03-29T00:00:00Z') / 1000;
      const xs = Array.from({ length: 26 }, (_, i) => start + i * 3600);
      new U({ width: 1600, height: 200, tzDate: (ts: number) => U.tzDate(new Date(ts * 1e3), 'UTC'), series: [{}, {}] }, [xs, xs.map(() => 1)], document.getElementById('c'));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
      return drawn.filter((t) => /[ap]m$/.test(t));
    });
    await context.close();
    // 00:00, 01:00, 02:00, 03:00 UTC: the second and third come out an hour early.
    expect(labels.slice(0, 4)).toEqual(['12am', '12am', '1am', '3am']);
  }, 60_000);
});
