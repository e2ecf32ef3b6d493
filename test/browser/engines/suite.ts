// The per-engine test suite: one engine and the static servers per describe block, a fresh
// profile and collector per test; and the app.html helpers of harness.ts over the driver's Tab.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { appUrl, outboxAtLeast, startCollector, startStatic, type AppOptions, type AppWindow, type Collector, type StaticServer } from '../harness';
import { startEngine, waitInPage, type Engine, type EngineName, type Profile, type Tab } from './index';

export interface EngineSuite {
  engine: Engine;
  /** Serves the host pages. */
  web: StaticServer;
  /** Two more origins, for widget iframes: one allowed, one a stranger. */
  widgets: StaticServer;
  stranger: StaticServer;
  /** A new, empty profile per test. */
  profile: Profile;
  /** A new collector per test. */
  c: Collector;
}

export function engineSuite(name: EngineName): EngineSuite {
  const s = {} as EngineSuite;
  beforeAll(async () => {
    const started = Date.now();
    [s.engine, s.web, s.widgets, s.stranger] = await Promise.all([startEngine(name), startStatic(), startStatic(), startStatic()]);
    console.log(`[${name}] ${s.engine.version} started in ${Date.now() - started} ms`);
  }, 120_000); // startStatic() waits out a concurrent `npm run build`; Firefox starts slowly on a busy machine
  afterAll(async () => {
    await s.engine?.close();
    await Promise.all([s.web, s.widgets, s.stranger].map((w) => w?.close()));
  }, 30_000);
  beforeEach(async () => {
    [s.profile, s.c] = await Promise.all([s.engine.profile(), startCollector()]);
  }, 30_000);
  afterEach(async () => {
    await s.profile?.close();
    await s.c?.close();
  }, 30_000);
  return s;
}

/** Opens app.html in a new tab and waits for its tracker. */
export async function openApp(s: EngineSuite, o: AppOptions): Promise<Tab> {
  const tab = await s.profile.open(appUrl(s.web, o));
  await waitInPage(tab, () => 'tracker' in window, null, 'the tracker');
  return tab;
}

/** Tracks call.requested for each id, all in one task. */
export const trackCalls = (tab: Tab, ids: string[]) =>
  tab.evaluate((ids) => {
    const { tracker } = window as unknown as AppWindow;
    for (const callId of ids) tracker.track({ type: 'call.requested', callId });
  }, ids);

export const track = (tab: Tab, events: object[]) =>
  tab.evaluate((events) => {
    for (const e of events) (window as unknown as AppWindow).tracker.track(e);
  }, events);

export const flush = (tab: Tab) => tab.evaluate(() => (window as unknown as AppWindow).tracker.flush(), null);

export const errorCodes = (tab: Tab) => tab.evaluate(() => (window as unknown as AppWindow).trackerErrors.map((e) => e.code), null);

export const pageErrors = (tab: Tab) => tab.evaluate(() => (window as unknown as AppWindow).pageErrors, null);

/** Resolves once the IndexedDB outbox of `org` holds at least `count` events (read from the page). */
export const outboxHolds = (tab: Tab, org: string, count: number, timeoutMs = 10_000): Promise<number> =>
  tab.evaluate(outboxAtLeast, { name: `engage-tracker:${org}`, count, timeoutMs });

/** The callIds received (2xx), as a set. */
export const receivedCalls = (c: Collector) => new Set([...c.unique().values()].map((e) => e.callId));
