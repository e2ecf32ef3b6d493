// @vitest-environment node
// The dashboard's sign-in, loading, error and empty states, in Chromium, against a stand-in
// collector that answers as told (the real one cannot be made slow or failing on demand).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './page';
import { startStub, type StubAnswer, type StubCollector } from './stub-collector';

const counts = { proactive_call_attempted: 4, proactive_call_accepted: 1, inbound_call_requested: 2, inbound_call_answered: 1, inbound_call_missed: 1, calls_held: 5 };
const rowsFor = (url: URL, orgId = url.searchParams.get('orgId') ?? 'org_1') => {
  const by = url.searchParams.get('by');
  if (url.searchParams.get('bucket') !== 'none') return [{ orgId, bucket: `${url.searchParams.get('from')?.slice(0, 10)}T00:00:00+00:00`, counts }];
  return by === 'org' ? [{ orgId, counts }] : by === 'rep' ? [{ orgId, repId: 'rep_1', counts }] : [{ orgId, page: '/pricing', counts }];
};

let browser: Browser;
let stub: StubCollector | undefined;
let violations: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(() => browser?.close());
afterEach(async () => {
  await stub?.close();
  stub = undefined;
  expect(violations, 'no CSP violation on the page').toEqual([]);
  violations = [];
});

async function open(answer: (url: URL, authorization?: string) => StubAnswer, query = '?tz=UTC') {
  stub = await startStub((req, url) => answer(url, req.headers.authorization));
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(stub.url + query);
  return page;
}

const json = (body: unknown, status = 200): StubAnswer => ({ status, body });
const denied = json({ error: { code: 'unauthorized', message: 'a read or admin token is needed' } }, 401);
const visible = (page: Page, selector: string) => page.isVisible(selector);

describe('sign-in (a collector run with a config)', () => {
  const GOOD = 'rt_good-token';
  const withToken = (url: URL, auth?: string): StubAnswer =>
    auth !== `Bearer ${GOOD}` ? denied : url.pathname === '/v1/session' ? json({ mode: 'token', orgId: 'org_1' }) : json(rowsFor(url));

  it('asks for a token on a 401, sends it as a bearer header, keeps it for the tab, and forgets it on sign-out', async () => {
    const page = await open(withToken);
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.textContent('#signin-message')).toMatch(/needs a read or admin token/);

    await page.fill('#token', 'rt_wrong');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => /did not accept/.test(document.getElementById('signin-message')?.textContent ?? ''));
    expect(await visible(page, '#dashboard')).toBe(false);

    await page.fill('#token', GOOD);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('[data-metric="calls_held"] .value:text("5")');
    expect(await page.textContent('#account-text')).toBe('Signed in to org_1');
    const metricRequests = stub!.seen.filter((r) => r.path.startsWith('/v1/metrics'));
    expect(metricRequests.length).toBeGreaterThan(0);
    expect(metricRequests.every((r) => r.authorization === `Bearer ${GOOD}`)).toBe(true);
    expect(stub!.seen.some((r) => r.path.includes(GOOD))).toBe(false); // never in a URL
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([GOOD]);

    await page.reload();
    await page.waitForSelector('[data-metric="calls_held"] .value:text("5")');
    expect(await visible(page, '#signin')).toBe(false);

    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await visible(page, '#dashboard')).toBe(false);
    await page.reload();
    await page.waitForSelector('#signin:not([hidden])');
    await page.context().close();
  });

  it('lets an admin token pick the org, sent as orgId=, kept in the URL', async () => {
    const page = await open((url, auth) =>
      auth !== 'Bearer at_admin' ? denied : url.pathname === '/v1/session' ? json({ mode: 'token', orgs: ['org_1', 'org_2'] }) : json(rowsFor(url)),
    );
    await page.fill('#token', 'at_admin');
    await page.press('#token', 'Enter');
    await page.waitForSelector('#org-label:not([hidden])');
    expect(await page.textContent('#account-text')).toBe('Signed in with an admin token');
    const before = stub!.seen.length;
    await page.selectOption('#org', 'org_2');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('org') === 'org_2');
    await page.waitForFunction(() => /^Updated/.test(document.getElementById('status')?.textContent ?? ''));
    const after = stub!.seen.slice(before).filter((r) => r.path.startsWith('/v1/metrics'));
    expect(after.length).toBe(4);
    expect(after.every((r) => new URL(r.path, 'http://x').searchParams.get('orgId') === 'org_2')).toBe(true);
    await page.context().close();
  });
});

describe('states', () => {
  const open_ = (url: URL) => (url.pathname === '/v1/session' ? json({ mode: 'open', orgs: ['org_1'] }) : undefined);

  it('shows "Loading…" until the numbers arrive, then the numbers', async () => {
    let release = () => {};
    const held = new Promise<void>((ok) => (release = ok));
    const page = await open((url) => open_(url) ?? { ...json(rowsFor(url)), hold: held });
    await page.waitForSelector('#loading:not([hidden])');
    expect(await page.textContent('#status')).toBe('Loading…');
    expect(await page.getAttribute('#data', 'aria-busy')).toBe('true');
    expect(await visible(page, '#data')).toBe(false);
    release();
    await page.waitForSelector('[data-metric="calls_held"] .value:text("5")');
    expect(await visible(page, '#loading')).toBe(false);
    await page.context().close();
  });

  it('says when the collector fails, keeps trying, and clears the message once it answers', async () => {
    let failing = true;
    const page = await open(
      (url) => open_(url) ?? (failing ? json({ error: { code: 'store_unavailable', message: 'the store is down' } }, 503) : json(rowsFor(url))),
      '?tz=UTC&refresh=2',
    );
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error-text')).toMatch(/answered 503 \(store_unavailable\): the store is down/);
    expect(await page.getAttribute('#error', 'role')).toBe('alert');
    failing = false;
    await page.waitForSelector('#error', { state: 'hidden' }); // the next refresh
    expect(await page.textContent('[data-metric="calls_held"] .value')).toBe('5');
    await page.context().close();
  });

  it('says when the collector cannot be reached', async () => {
    const page = await open((url) => open_(url) ?? json(rowsFor(url)));
    await page.waitForSelector('[data-metric="calls_held"] .value:text("5")');
    await stub!.close();
    await page.selectOption('#range', 'today');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error-text')).toMatch(/could not be reached/);
    expect(await page.textContent('[data-metric="calls_held"] .value')).toBe('5'); // the last numbers stay
    await page.context().close();
  });

  it('says so when the range holds no events', async () => {
    const page = await open((url) => open_(url) ?? json([]));
    await page.waitForSelector('#empty:not([hidden])');
    expect(await page.textContent('#empty')).toMatch(/^No events for org_1 from .* \(UTC\)\.$/);
    expect(await page.textContent('#reps-table tbody')).toBe('No rep activity in this range.');
    expect(await page.textContent('#pages-table tbody')).toBe('No page activity in this range.');
    expect(await page.textContent('[data-rate="missed_call_rate"] .value')).toBe('–');
    await page.context().close();
  });

  it('says so when no organization has sent anything yet', async () => {
    const page = await open((url) => (url.pathname === '/v1/session' ? json({ mode: 'open', orgs: [] }) : json([])));
    await page.waitForSelector('#empty:not([hidden])');
    expect(await page.textContent('#empty')).toBe('No organization has sent events yet.');
    expect(stub!.seen.some((r) => r.path.startsWith('/v1/metrics'))).toBe(false);
    await page.context().close();
  });

  it("shows a metric's definition on hover and on keyboard focus, and hides it on Escape", async () => {
    const page = await open((url) => open_(url) ?? json(rowsFor(url)));
    await page.waitForSelector('[data-metric="calls_held"] .value:text("5")');
    const term = '[data-metric="inbound_call_missed"] .term';
    const definition = '#def-inbound_call_missed';
    expect(await page.getAttribute(term, 'aria-describedby')).toBe('def-inbound_call_missed');
    expect(await page.isVisible(definition)).toBe(false);
    await page.hover(term);
    expect(await page.isVisible(definition)).toBe(true);
    expect(await page.textContent(definition)).toMatch(/^Counts instances where a visitor waits for a website call connection but no rep answers/);
    await page.mouse.move(0, 0);
    expect(await page.isVisible(definition)).toBe(false);
    // By keyboard: Tab until the term has focus.
    await page.focus('#metric');
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'inbound_call_missed'; i++) {
      await page.keyboard.press('Shift+Tab');
      focused = await page.evaluate(() => (document.activeElement as HTMLElement).closest('[data-metric]')?.getAttribute('data-metric') ?? '');
    }
    expect(focused).toBe('inbound_call_missed');
    expect(await page.isVisible(definition)).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.isVisible(definition)).toBe(false);
    await page.context().close();
  });
});
