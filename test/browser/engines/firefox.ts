// Firefox through puppeteer-core over WebDriver BiDi (Debian's firefox-esr, headless). A profile
// is a BiDi user context: its own storage, cookies and cache, gone when it closes.
import puppeteer, { type BrowserContext, type Page } from 'puppeteer-core';
import type { Engine, PageFunction, Profile, Tab } from './driver';
import { historyStep, navigateBy } from './navigation';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

function tabOf(page: Page): Tab {
  const problems: string[] = [];
  page.on('console', (m) => void ((m.type() === 'error' || m.type() === 'warn') && problems.push(m.text())));
  page.on('pageerror', (e) => void problems.push(String(e)));
  const tab: Tab = {
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    evaluate: <A, R>(fn: PageFunction<A, R>, arg: A) => page.evaluate(fn as (a: unknown) => R | Promise<R>, arg as unknown) as Promise<R>,
    evaluateAndNavigate: (fn, arg) => navigateBy(tab, fn, arg),
    // page.goBack() waits for a load that a page restored from the back/forward cache never fires.
    back: () => historyStep(tab, -1),
    forward: () => historyStep(tab, 1),
    close: () => page.close({ runBeforeUnload: true }),
    consoleProblems: () => [...problems],
  };
  return tab;
}

function profileOf(context: BrowserContext): Profile {
  const pages: Page[] = [];
  let offline = false;
  return {
    async open(url) {
      const page = await context.newPage();
      pages.push(page);
      if (offline) await page.setOfflineMode(true);
      const tab = tabOf(page);
      await tab.goto(url);
      return tab;
    },
    async setOffline(value) {
      offline = value;
      await Promise.all(pages.filter((p) => !p.isClosed()).map((p) => p.setOfflineMode(value)));
    },
    close: () => context.close(),
  };
}

export async function startFirefox(): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    // Keep the test run quiet and local: no updates, telemetry or remote settings.
    extraPrefsFirefox: { 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false },
  });
  const version = (await browser.version()).replace(/^firefox\//, '');
  return {
    name: 'firefox',
    version,
    cannot: {},
    profile: async () => profileOf(await browser.createBrowserContext()),
    close: () => browser.close(),
  };
}
