// @vitest-environment node
// The dashboard on the real collector (DuckDB), in Chromium: every number on the page equals
// the API's answer for the same range and zone — cards, rates, leaderboard, page table and the
// trend's table — before and after changing the range and the zone; sorting; the CSV download;
// a refresh that keeps the sort and the focus; the time axis on DST change days.
// Needs the build (`npm run build`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../src/index.js';
import { ALL_METRICS, RATES, REP_METRICS, type MetricId } from '../../dashboard/src/catalog';
import { shortenPath } from '../../dashboard/src/format';
import { LONG_PAGE, makeHistory, postHistory, REPS } from './history';
import { DASHBOARD_DIR, launchChromium, numberIn, readCards, readTable, readTrendTable, ROOT, settled } from './page';

interface Row {
  orgId: string;
  repId?: string;
  page?: string;
  bucket?: string;
  counts: Partial<Record<MetricId, number>>;
}

const day = 864e5;
const now = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'engage-dashboard-'));
let collector: Collector;
let browser: Browser;
/** Whether this store answers bucket= yet (the store branch adds it after its first commit). */
let storeBuckets = false;

beforeAll(async () => {
  collector = await startCollector({ db: join(tmp, 'dash.duckdb'), statics: { dashboard: DASHBOARD_DIR } });
  await postHistory(
    collector.url,
    makeHistory({
      spans: [
        { fromMs: Date.parse('2026-03-27T00:00:00Z'), toMs: Date.parse('2026-03-31T00:00:00Z'), perDay: 60 },
        { fromMs: Date.parse('2026-09-20T00:00:00Z'), toMs: Date.parse('2026-11-30T00:00:00Z'), perDay: 40 },
        { fromMs: now - 65 * day, toMs: now - 60_000, perDay: 30 },
      ],
    }),
  );
  const probe = (await (await fetch(`${collector.url}/v1/metrics?by=org&bucket=day&tz=UTC`)).json()) as Row[];
  storeBuckets = probe.length > 0 && typeof probe[0].bucket === 'string';
  if (!storeBuckets) console.warn('[dashboard] this store leaves bucket= out: the trend checks are skipped');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The page's last four /v1/metrics requests (JSON): the four questions behind one view. */
function metricRequests(seen: Request[]) {
  const urls = seen.map((r) => new URL(r.url())).filter((u) => u.pathname === '/v1/metrics' && u.searchParams.get('format') !== 'csv');
  return urls.slice(-4);
}

const apiRows = async (u: URL): Promise<Row[]> => (await fetch(`${collector.url}${u.pathname}${u.search}`)).json() as Promise<Row[]>;
const pct = (now: number, before: number) => (before > 0 ? Math.round(((now - before) / before) * 1000) / 10 : undefined);
const rate = (n: number, d: number) => (d > 0 ? n / d : undefined);
const asShown = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 1000) / 10);

async function openPage(context: BrowserContext, query: string): Promise<{ page: Page; seen: Request[] }> {
  const page = await context.newPage();
  const seen: Request[] = [];
  page.on('request', (r) => seen.push(r));
  await page.goto(`${collector.url}/${query}`);
  await settled(page);
  return { page, seen };
}

/**
 * Asks the API the page's own questions (and the range's totals) and checks every number shown;
 * `expectRange` (ISO instants) checks the page asked for the range the zone implies.
 */
async function expectPageEqualsApi(page: Page, seen: Request[], expectRange?: { from: string; to?: string; prevFrom: string; prevTo?: string }) {
  await settled(page);
  const reqs = metricRequests(seen);
  expect(reqs).toHaveLength(4);
  const q = (u: URL, k: string) => u.searchParams.get(k);
  const previous = reqs.find((u) => q(u, 'by') === 'org' && q(u, 'bucket') === 'none')!;
  const reps = reqs.find((u) => q(u, 'by') === 'rep')!;
  const pages = reqs.find((u) => q(u, 'by') === 'page')!;
  const trend = reqs.find((u) => q(u, 'bucket') !== 'none')!;
  // The page sums the trend's buckets for the cards; the API's own totals must agree with them.
  const current = new URL(trend);
  current.searchParams.set('bucket', 'none');
  const view = new URL(page.url()).searchParams;
  for (const u of reqs) {
    expect(q(u, 'tz')).toBe(view.get('tz'));
    expect(q(u, 'orgId')).toBe('org_1');
  }
  if (expectRange) {
    expect(q(current, 'from')).toBe(expectRange.from);
    expect(q(previous, 'from')).toBe(expectRange.prevFrom);
    if (expectRange.to) expect(q(current, 'to')).toBe(expectRange.to);
    if (expectRange.prevTo) expect(q(previous, 'to')).toBe(expectRange.prevTo);
  }

  const [cur, prev, repRows, pageRows, trendRows] = await Promise.all([current, previous, reps, pages, trend].map(apiRows));
  const counts = (rows: Row[]) => rows.find((r) => r.orgId === 'org_1')?.counts ?? {};
  const c = counts(cur);
  const p = counts(prev);

  // Cards: value, previous value, change in % ("–" when the previous is 0).
  const cards = await readCards(page);
  for (const id of ALL_METRICS) {
    const card = cards[id];
    expect(numberIn(card.value), `${id} value`).toBe(c[id] ?? 0);
    expect(numberIn(card.previous), `${id} previous`).toBe(p[id] ?? 0);
    const change = pct(c[id] ?? 0, p[id] ?? 0);
    expect(card.change === '–' ? undefined : numberIn(card.change.replace(/^[▲▼=]\s*±?/, '')), `${id} change`).toBe(change);
  }
  // Rates: numerator / denominator in %, change in percentage points.
  for (const r of RATES) {
    const card = cards[r.id];
    const nowRate = rate(c[r.numerator] ?? 0, c[r.denominator] ?? 0);
    const prevRate = rate(p[r.numerator] ?? 0, p[r.denominator] ?? 0);
    expect(numberIn(card.value), `${r.id}`).toBe(asShown(nowRate));
    expect(numberIn(card.previous), `${r.id} previous`).toBe(asShown(prevRate));
    const pp = nowRate === undefined || prevRate === undefined ? undefined : Math.round((nowRate - prevRate) * 1000) / 10;
    expect(card.change === '–' ? undefined : numberIn(card.change.replace(/^[▲▼=]\s*±?/, '')), `${r.id} change`).toBe(pp === 0 ? 0 : pp);
  }

  // Leaderboard and page table: the same rows and numbers, in the order the sort says.
  const reading = await readTable(page, '#reps-table');
  const shownReps = new Map(reading.rows.map((cells) => [cells[0], cells.slice(1).map((t) => numberIn(t))]));
  const wantReps = repRows.filter((r) => r.orgId === 'org_1');
  expect([...shownReps.keys()].sort()).toEqual(wantReps.map((r) => r.repId).sort());
  for (const r of wantReps) expect(shownReps.get(r.repId!), r.repId).toEqual(REP_METRICS.map((id) => r.counts[id] ?? 0));

  const pagesRead = await readTable(page, '#pages-table');
  const wantPages = pageRows.filter((r) => r.orgId === 'org_1');
  expect(pagesRead.rows).toHaveLength(wantPages.length);
  for (const r of wantPages) {
    const i = pagesRead.rows.findIndex((cells) => cells[0] === shortenPath(r.page!));
    expect(i, r.page).toBeGreaterThanOrEqual(0);
    expect(pagesRead.rows[i].slice(1).map((t) => numberIn(t)), r.page).toEqual(ALL_METRICS.map((id) => r.counts[id] ?? 0));
    expect(pagesRead.titles[i]).toBe(r.page === LONG_PAGE ? LONG_PAGE : null); // full path on hover
  }

  if (!storeBuckets) return { current, previous, reps, pages, trend, series: [] };
  // The trend's table: one row per bucket, the chosen metric's count.
  const metric = view.get('metric') as MetricId;
  const series = trendRows.filter((r) => r.orgId === 'org_1').map((r) => ({ bucket: r.bucket, value: r.counts[metric] ?? 0 }));
  const shownSeries = (await readTrendTable(page)).map((r) => ({ bucket: r.bucket, value: numberIn(r.value) }));
  expect(shownSeries).toEqual(series);
  return { current, previous, reps, pages, trend, series };
}

describe('every number on the page is the API’s', () => {
  it('for a custom range in Berlin, then 30 days, then New York time', async () => {
    const context = await browser.newContext({ timezoneId: 'America/Los_Angeles', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const { page, seen } = await openPage(context, '?range=custom&from=2026-10-20&to=2026-11-05&tz=Europe%2FBerlin&bucket=day&metric=inbound_call_missed');
    // 17 local days from Oct 20 (CEST, +02:00) to the end of Nov 5 (CET, +01:00); the previous 17 days before.
    const first = await expectPageEqualsApi(page, seen, {
      from: '2026-10-19T22:00:00.000Z',
      to: '2026-11-05T23:00:00.000Z',
      prevFrom: '2026-10-02T22:00:00.000Z',
      prevTo: '2026-10-19T22:00:00.000Z',
    });
    if (storeBuckets) {
      expect(first.series).toHaveLength(17);
      expect(first.series[0].bucket).toBe('2026-10-20T00:00:00+02:00');
      expect(first.series.at(-1)!.bucket).toBe('2026-11-05T00:00:00+01:00');
    }
    expect(await page.textContent('#range-text')).toBe('Tue 20 Oct 00:00 – Fri 6 Nov 00:00 (Europe/Berlin), compared with Sat 3 Oct 00:00 – Tue 20 Oct 00:00');

    // Names as sent, as text: the rep id that is HTML shows as its characters.
    expect(await page.locator('#reps-table tbody th', { hasText: '<img' }).count()).toBe(1);
    expect(await page.locator('#reps-table img, #pages-table img').count()).toBe(0);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results/dashboard.png'), fullPage: true });

    // 30 days: the last 30 local days in Berlin including today.
    seen.length = 0;
    await page.selectOption('#range', '30d');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('range') === '30d');
    const thirty = await expectPageEqualsApi(page, seen);
    const from30 = Date.parse(thirty.current.searchParams.get('from')!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(from30)).toBe('00:00');
    expect(Math.round((Date.now() - from30) / day)).toBeGreaterThanOrEqual(29);
    expect(Math.round((Date.now() - from30) / day)).toBeLessThanOrEqual(30);
    if (storeBuckets) expect(thirty.series).toHaveLength(30);

    // Another zone: the same 30 days are New York's.
    seen.length = 0;
    await page.selectOption('#tz', 'America/New_York');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('tz') === 'America/New_York');
    const ny = await expectPageEqualsApi(page, seen);
    const fromNy = Date.parse(ny.current.searchParams.get('from')!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(fromNy)).toBe('00:00');
    expect(fromNy).not.toBe(from30);

    // 7 days and today, too.
    for (const range of ['7d', 'today']) {
      seen.length = 0;
      await page.selectOption('#range', range);
      await page.waitForFunction((r) => new URL(location.href).searchParams.get('range') === r, range);
      await expectPageEqualsApi(page, seen);
    }
    await context.close();
  }, 120_000);
});

describe('sorting, CSV and refreshing', () => {
  it('sorts the leaderboard by any column (aria-sort), keeps the sort in the URL and over a reload', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const { page } = await openPage(context, '?range=30d&tz=UTC');
    const sortState = () => page.$$eval('#reps-table thead th', (ths) => ths.map((th) => th.getAttribute('aria-sort')));
    const column = async (i: number) => (await readTable(page, '#reps-table')).rows.map((r) => r[i]);

    // The default: calls held, most first.
    const held = REP_METRICS.indexOf('calls_held') + 1;
    expect((await sortState())[held]).toBe('descending');
    const byHeld = (await column(held)).map((t) => numberIn(t)!);
    expect(byHeld).toEqual([...byHeld].sort((a, b) => b - a));

    await page.click('#reps-table thead th:first-child button'); // Rep
    expect((await sortState())[0]).toBe('ascending');
    expect((await sortState()).filter((s) => s !== null)).toHaveLength(1);
    const names = await column(0);
    expect(names).toEqual([...REPS].filter((r) => names.includes(r)).sort());
    await page.keyboard.press('Enter'); // the focused heading button, again: descending
    expect((await sortState())[0]).toBe('descending');
    expect(await column(0)).toEqual([...names].reverse());

    const accepted = REP_METRICS.indexOf('proactive_call_accepted') + 1;
    await page.click(`#reps-table thead th:nth-child(${accepted + 1}) button`);
    expect(new URL(page.url()).searchParams.get('reps')).toBe('proactive_call_accepted.desc');
    await page.reload();
    await settled(page);
    expect((await sortState())[accepted]).toBe('descending');
    const values = (await column(accepted)).map((t) => numberIn(t)!);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await context.close();
  }, 60_000);

  it('downloads as CSV exactly what the API gives for the rows shown', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC', acceptDownloads: true });
    const { page, seen } = await openPage(context, '?range=custom&from=2026-10-01&to=2026-10-31&tz=Europe%2FBerlin');
    for (const [kind, by] of [['reps', 'rep'], ['pages', 'page'], ['overview', 'org']] as const) {
      const asked = metricRequests(seen);
      // The overview shows the range's totals (summed from the trend's buckets): its CSV is the range by org.
      const shown = new URL(by === 'org' ? asked.find((u) => u.searchParams.get('bucket') !== 'none')! : asked.find((u) => u.searchParams.get('by') === by)!);
      if (by === 'org') shown.searchParams.set('bucket', 'none');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-csv="${kind}"]`)]);
      expect(download.suggestedFilename()).toBe(`engage-org_1-${kind}-2026-10-01_2026-10-31.csv`);
      const file = readFileSync((await download.path())!, 'utf8');
      shown.searchParams.set('format', 'csv');
      const api = await (await fetch(`${collector.url}${shown.pathname}${shown.search}`)).text();
      expect(file).toBe(api);
      expect(file.split('\n')[0]).toMatch(by === 'org' ? /^orgId,/ : new RegExp(`^orgId,${by === 'rep' ? 'repId' : 'page'},`));
    }
    await context.close();
  }, 60_000);

  it('refreshes itself with new events, keeping the sort and the focus, without rebuilding the page', async () => {
    const context = await browser.newContext({ timezoneId: 'UTC' });
    const { page } = await openPage(context, '?range=today&tz=UTC&reps=rep.asc&refresh=2');
    await page.focus('#reps-table thead th:first-child button');
    // Count cards and rows taken out of the page from here on: a refresh should replace none.
    await page.evaluate(() => {
      const w = window as unknown as { removed: number };
      w.removed = 0;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.removedNodes) if (n instanceof HTMLElement && (n.matches('.card, tr') || n.querySelector('.card'))) w.removed++;
      }).observe(document.body, { childList: true, subtree: true });
    });
    const before = numberIn((await readCards(page)).calls_held.value)!;
    await postHistory(collector.url, [
      { id: 'fresh-1', metric: 'proactive_call_attempted', orgId: 'org_1', visitorId: 'v', sessionId: 's', repId: 'rep_aaa_new', page: '/pricing', callId: 'fresh', occurredAt: new Date(Date.now() - 1000).toISOString() },
    ]);
    await page.waitForFunction((n) => document.querySelector('[data-metric="calls_held"] [data-field="value"]')?.textContent?.replace(/,/g, '') === String(n), before + 1, { timeout: 15_000 });
    await page.waitForSelector('#reps-table tbody th:text("rep_aaa_new")');
    const names = (await readTable(page, '#reps-table')).rows.map((r) => r[0]);
    expect(names).toEqual([...names].sort()); // the new rep sorted in, by name
    expect(await page.getAttribute('#reps-table thead th:first-child', 'aria-sort')).toBe('ascending');
    expect(await page.evaluate(() => document.activeElement?.closest('th')?.textContent)).toMatch(/^Rep/);
    expect(await page.evaluate(() => (window as unknown as { removed: number }).removed)).toBe(0);
    await context.close();
  }, 60_000);
});
