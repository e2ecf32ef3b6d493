// @vitest-environment node
// Signing in to the dashboard of a collector run with a config (issue 18 item 6), in Chromium:
// a read token sees its org's numbers, an admin token picks the org, sign-out forgets the
// token, a revoked token sends the reader back to sign-in. The pages carry the collector's
// strict CSP, and nothing on them breaks it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAccessCommand } from '../../src/auth/commands.js';
import { startCollector, type Collector } from '../../src/index.js';
import { makeHistory } from './history';
import { DASHBOARD_DIR, launchChromium, numberIn, readCards, settled } from './page';

const tmp = mkdtempSync(join(tmpdir(), 'engage-dashboard-signin-'));
const config = join(tmp, 'access.json');
let collector: Collector;
let browser: Browser;
const secrets = { ingest1: '', ingest2: '', read1: '', admin: '' };
let violations: string[] = [];

beforeAll(async () => {
  const org1 = (await runAccessCommand(['org', 'add', 'org_1'], { config })).json as { ingestKey: string; readToken: string };
  const org2 = (await runAccessCommand(['org', 'add', 'org_2'], { config })).json as { ingestKey: string };
  const admin = (await runAccessCommand(['admin-token', 'create'], { config })).json as { adminToken: string };
  Object.assign(secrets, { ingest1: org1.ingestKey, ingest2: org2.ingestKey, read1: org1.readToken, admin: admin.adminToken });
  collector = await startCollector({ db: join(tmp, 'signin.duckdb'), config, statics: { dashboard: DASHBOARD_DIR } });
  const day = 864e5;
  const events = makeHistory({ spans: [{ fromMs: Date.now() - 20 * day, toMs: Date.now() - 60_000, perDay: 40 }] });
  for (const [org, key] of [['org_1', secrets.ingest1], ['org_2', secrets.ingest2]]) {
    const mine = events.filter((e) => e.orgId === org);
    for (let i = 0; i < mine.length; i += 400) {
      const body = { key, sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events: mine.slice(i, i + 400) };
      const res = await fetch(`${collector.url}/v1/engage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    }
  }
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => {
  expect(violations, 'no CSP violation on the page').toEqual([]);
  violations = [];
});

async function openDashboard(query = '?range=30d&tz=UTC'): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${collector.url}/${query}`);
  return page;
}

async function signIn(page: Page, token: string) {
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await settled(page);
}

/** The org's card numbers as the API gives them to `token` for the page's own range. */
async function expectCardsFromApi(page: Page, token: string, orgId: string) {
  const asked = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('by=org') && /bucket=(hour|day|week)/.test(n)));
  const current = new URL(asked.at(-1)!); // the range of the trend, asked as totals
  current.searchParams.set('bucket', 'none');
  expect(current.searchParams.get('orgId')).toBe(orgId);
  const rows = (await (await fetch(`${collector.url}${current.pathname}${current.search}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { orgId: string; counts: Record<string, number> }[];
  expect(rows.map((r) => r.orgId)).toEqual([orgId]);
  const cards = await readCards(page);
  for (const [id, n] of Object.entries(rows[0].counts)) expect(numberIn(cards[id].value), id).toBe(n);
}

describe('dashboard sign-in on a collector with a config', () => {
  it('a read token: asked for on the 401, shows its org, and sign-out forgets it', async () => {
    const page = await openDashboard();
    expect((await page.goto(`${collector.url}/v1/metrics?by=org`))?.status()).toBe(401); // the API wants a token
    await page.goBack();
    await signIn(page, secrets.read1);
    expect(await page.textContent('#account-text')).toBe('Signed in to org_1');
    expect(await page.isVisible('#org-label')).toBe(false);
    await expectCardsFromApi(page, secrets.read1, 'org_1');

    await page.click('#signout');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  }, 60_000);

  it('a wrong token is refused with a message and nothing shown', async () => {
    const page = await openDashboard();
    await page.waitForSelector('#signin:not([hidden])');
    await page.fill('#token', 'rt_not-a-token');
    await page.press('#token', 'Enter');
    await page.waitForFunction(() => /did not accept/.test(document.getElementById('signin-message')?.textContent ?? ''));
    expect(await page.isVisible('#data')).toBe(false);
    await page.context().close();
  }, 60_000);

  it('an admin token picks the org; the numbers are that org’s', async () => {
    const page = await openDashboard();
    await signIn(page, secrets.admin);
    expect(await page.textContent('#account-text')).toBe('Signed in with an admin token');
    expect(await page.$$eval('#org option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['org_1', 'org_2']);
    await page.selectOption('#org', 'org_2');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('org') === 'org_2');
    await settled(page);
    await expectCardsFromApi(page, secrets.admin, 'org_2');
    await page.context().close();
  }, 60_000);

  it('a token revoked while the page is open sends the reader back to sign-in', async () => {
    const { readToken } = (await runAccessCommand(['token', 'add', 'org_1'], { config })).json as { readToken: string };
    const page = await openDashboard('?range=7d&tz=UTC&refresh=2');
    await signIn(page, readToken);
    await runAccessCommand(['token', 'revoke', 'org_1', readToken], { config });
    await page.waitForSelector('#signin:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('#signin-message')).toMatch(/did not accept that token/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.context().close();
  }, 60_000);
});
