// Chromium through playwright-core (Debian's chromium, headless). Playwright passes
// --disable-back-forward-cache by default; this engine keeps the cache, as a visitor's has it.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, LAUNCH_ARGS } from '../harness';
import type { Engine, PageFunction, Profile, Tab } from './driver';

function tabOf(page: Page): Tab {
  const problems: string[] = [];
  page.on('console', (m) => void ((m.type() === 'error' || m.type() === 'warning') && problems.push(m.text())));
  page.on('pageerror', (e) => void problems.push(String(e)));
  const shown = () => page.waitForFunction(() => document.readyState === 'complete');
  return {
    goto: async (url) => void (await page.goto(url)),
    // Serialized by Playwright (JSON in, JSON out), as the other drivers do.
    evaluate: <A, R>(fn: PageFunction<A, R>, arg: A) => page.evaluate(fn as (a: unknown) => R | Promise<R>, arg as unknown),
    async evaluateAndNavigate(fn, arg) {
      const loaded = page.waitForEvent('load');
      await page.evaluate(fn as (a: unknown) => unknown, arg as unknown).catch((err: unknown) => {
        if (!/context was destroyed|navigat/i.test(String(err))) throw err;
      });
      await loaded;
    },
    back: async () => void (await page.goBack({ waitUntil: 'commit' }), await shown()),
    forward: async () => void (await page.goForward({ waitUntil: 'commit' }), await shown()),
    close: () => page.close({ runBeforeUnload: true }),
    consoleProblems: () => [...problems],
  };
}

function profileOf(context: BrowserContext): Profile {
  return {
    async open(url) {
      const page = await context.newPage();
      const tab = tabOf(page);
      await tab.goto(url);
      return tab;
    },
    setOffline: (offline) => context.setOffline(offline),
    close: () => context.close(),
  };
}

export async function startChromium(): Promise<Engine> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  return {
    name: 'chromium',
    version: browser.version(),
    cannot: {},
    profile: async () => profileOf(await browser.newContext()),
    close: () => browser.close(),
  };
}
