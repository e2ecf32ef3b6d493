// One small driver over three browser engines, so a scenario is written once and runs in each:
// Chromium (playwright-core over CDP), Firefox (puppeteer-core over WebDriver BiDi) and WebKit
// (WebKitGTK's WebKitWebDriver over classic WebDriver, under Xvfb). Only what the scenarios
// need; a step an engine cannot do is named in `cannot`, with the reason, for the test report.

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** Steps that not every engine can do through its automation protocol. */
export type Step = 'offline' | 'console';

/** A function run in the page: it gets one JSON argument and returns JSON (or a promise of it). */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

export interface Tab {
  /** Navigates and waits for the load event. */
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its JSON result. */
  evaluate<A, R>(fn: PageFunction<A, R>, arg: A): Promise<R>;
  /**
   * Runs `fn(arg)`, which starts a navigation (location.reload(), a link) in the same task,
   * and resolves once the next document has loaded.
   */
  evaluateAndNavigate<A>(fn: PageFunction<A, unknown>, arg: A): Promise<void>;
  /** History back / forward; resolves once the document shown is complete (a page restored from the back/forward cache fires no load). */
  back(): Promise<void>;
  forward(): Promise<void>;
  /** Closes the tab the way a visitor does: pagehide and unload handlers run. */
  close(): Promise<void>;
  /** Console errors and warnings seen so far (empty where `cannot.console`). */
  consoleProblems(): string[];
}

/** A fresh browser profile: empty storage, no cookies, its own tabs. */
export interface Profile {
  /** Opens a new tab (a new top-level window where tabs would hide each other) at `url`. */
  open(url: string): Promise<Tab>;
  /** Browser offline emulation for every tab of the profile (not where `cannot.offline`). */
  setOffline(offline: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** The browser's own version string, known once started. */
  readonly version: string;
  /** What this engine's automation cannot do, and why: shown in the test report. */
  readonly cannot: Partial<Record<Step, string>>;
  profile(): Promise<Profile>;
  close(): Promise<void>;
}

/** Polls `test` in the page until it returns true (a page that navigates meanwhile is polled again). */
export async function waitInPage<A>(tab: Pick<Tab, 'evaluate'>, test: PageFunction<A, boolean>, arg: A, label: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await tab.evaluate(test, arg)) return;
    } catch (err) {
      last = err; // a document going away mid-evaluate: ask the next one
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting in the page for ${label}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
