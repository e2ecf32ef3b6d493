// Navigation steps built from evaluate alone, for drivers whose own navigation calls wait for a
// load event that a page restored from the back/forward cache never fires.
import { waitInPage, type PageFunction, type Tab } from './driver';

/** Marks the document, runs `fn` (which navigates), waits for a new, complete document. */
export async function navigateBy<A>(tab: Pick<Tab, 'evaluate'>, fn: PageFunction<A, unknown>, arg: A): Promise<void> {
  await tab.evaluate((key) => void Object.defineProperty(window, Symbol.for(key), { value: true }), 'engage-test-leaving');
  await tab.evaluate(fn, arg).catch(() => {}); // the navigation may tear the evaluation down
  await waitInPage(
    tab,
    (key) => !(window as unknown as Record<symbol, boolean>)[Symbol.for(key)] && document.readyState === 'complete',
    'engage-test-leaving',
    'the next document',
  );
}

/** history.go(delta), then waits until another URL's document is complete (restored from the back/forward cache or loaded anew). */
export async function historyStep(tab: Pick<Tab, 'evaluate'>, delta: number): Promise<void> {
  const before = await tab.evaluate(() => location.href, null);
  await tab.evaluate((d) => history.go(d), delta).catch(() => {});
  await waitInPage(tab, (left) => location.href !== left && document.readyState === 'complete', before, 'the history step');
}
