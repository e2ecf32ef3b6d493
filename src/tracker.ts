// createTracker(): wires config → store → outbox → transport. Every door into the SDK
// (track, listeners, timers, promises) is guarded: after this returns, nothing throws.
import type { Work } from './apply';
import { resolveConfig, type TrackerOptions } from './config';
import { currentHref, randomId, watchPage } from './env';
import { TrackerError } from './errors';
import { parseEvent, type WidgetEvent } from './events';
import { listenForWidgetEvents } from './hooks';
import { createSender } from './outbox';
import { saveStash, takeStash } from './stash';
import { memoryStore, openIndexedDb, type Store, type Stored } from './store';

export interface Tracker {
  /** Classifies and queues one widget event. Synchronous, does no I/O, never throws. */
  track(event: WidgetEvent): void;
  /** Resolves once every event tracked before the call is stored and had a delivery attempt. */
  flush(): Promise<void>;
  /** Ends the visitor session now, emitting its missed metrics. */
  endSession(): Promise<void>;
  /** Flushes, then detaches every listener and timer. Later calls are ignored. */
  shutdown(): Promise<void>;
}

/** An IndexedDB open that neither succeeds nor fails by then counts as unavailable. */
const OPEN_TIMEOUT_MS = 3_000;
const MAX_PAGE_LENGTH = 1_024;

export function createTracker(options: TrackerOptions): Tracker {
  const config = resolveConfig(options);
  const log = (...args: unknown[]) => config.debug && console.debug('[engage-tracker]', ...args);

  const report = (error: TrackerError) => {
    log(error.code, error.message, error.cause ?? '');
    try {
      config.onError(error);
    } catch (err) {
      log('onError threw', err);
    }
  };
  const reportInternal = (err: unknown) => report(new TrackerError('internal', `unexpected error inside engage-tracker: ${String(err)}`, err));
  /** Runs fn, catching throws and rejections: the host page must never see them. */
  const guard = <A extends unknown[]>(fn: (...args: A) => unknown) => (...args: A): void => {
    try {
      Promise.resolve(fn(...args)).catch(reportInternal);
    } catch (err) {
      reportInternal(err);
    }
  };
  const settled = (p: Promise<unknown>): Promise<void> => p.then(() => {}, reportInternal);

  const pageOf = (href: string): string => {
    let url: URL;
    try {
      url = new URL(href, currentHref());
    } catch {
      url = new URL(currentHref());
    }
    try {
      const page = config.page(url);
      if (typeof page === 'string') return page.slice(0, MAX_PAGE_LENGTH);
      report(new TrackerError('internal', 'the page() option must return a string; the path is used instead'));
    } catch (err) {
      report(new TrackerError('internal', 'the page() option threw; the path is used instead', err));
    }
    return url.pathname;
  };
  const rules = { orgId: config.orgId, sessionTimeoutMs: config.sessionTimeoutMs, newId: randomId, pageOf };

  const dbName = `engage-tracker:${config.orgId}`;
  let store: Store = memoryStore();
  let reopened = false;
  const storeReady: Promise<void> = openStorage().then((s) => {
    if (s) store = s;
  });

  async function openStorage(): Promise<Store | undefined> {
    const unavailable = (cause?: unknown) => {
      report(new TrackerError('storage_unavailable', 'IndexedDB is not available; state and outbox are kept in memory for this page', cause));
      return undefined;
    };
    if (typeof indexedDB === 'undefined') return unavailable();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        openIndexedDb(dbName),
        new Promise<never>((_, reject) => (timer = setTimeout(reject, OPEN_TIMEOUT_MS, new Error('IndexedDB open blocked')))),
      ]);
    } catch (err) {
      return unavailable(err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Applies work; on failure reopens IndexedDB once (a lost connection), then goes on in memory. */
  const applyWork = async (work: Work[]): Promise<Stored> => {
    try {
      return await store.apply(work, rules, config.maxQueuedEvents);
    } catch (err) {
      store.close();
      if (!reopened) {
        reopened = true;
        try {
          store = await openIndexedDb(dbName);
          return await store.apply(work, rules, config.maxQueuedEvents);
        } catch {
          store.close();
        }
      }
      // Quota, a closed or broken database: losing nothing queued matters more than persistence.
      report(new TrackerError('storage_failed', 'IndexedDB failed; state and outbox continue in memory for this page', err));
      store = memoryStore();
      return store.apply(work, rules, config.maxQueuedEvents);
    }
  };

  const stashed = takeStash(config.orgId);
  const sender = createSender({
    endpoint: config.endpoint,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    headers: config.headers,
    lockName: `engage-tracker:send:${config.orgId}`,
    store: () => store,
    report,
    unconfirmed: stashed.unconfirmed,
  });

  // Work of one task is applied in one transaction: track() only pushes, a microtask drains.
  let queue: Work[] = [];
  /** The work of the drain under way: not committed yet, so stashed if the page hides. */
  let draining: Work[] = [];
  let drainScheduled = false;
  let chain: Promise<void> = storeReady;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  // Numbers this page's work, so a replay of it is applied once (apply.ts).
  const tab = Date.now().toString(36) + randomId().slice(0, 8);
  let seq = 0;

  const drain = async (): Promise<void> => {
    if (!queue.length) return;
    draining = queue;
    queue = [];
    const applied = await applyWork(draining);
    draining = [];
    for (const e of applied.unknownCalls) {
      report(new TrackerError('unknown_call', `${e.type} for call "${e.callId}", which was never offered or requested here; ignored`));
    }
    if (applied.dropped) {
      report(new TrackerError('queue_overflow', `the outbox holds more than ${config.maxQueuedEvents} events; the ${applied.dropped} oldest were dropped`));
    }
    if (applied.metrics.length) log('metrics', applied.metrics);
    sender.added(applied.added);
    clearTimeout(expiryTimer);
    if (applied.expiresAt !== undefined && !stopped) {
      // Another tab may keep the session alive meanwhile: the check re-reads before ending it.
      expiryTimer = setTimeout(guard(() => enqueue({ kind: 'check', at: Date.now() })), Math.max(0, applied.expiresAt - Date.now()) + 1);
    }
  };

  /** Chains a drain after the ones before it; resolves when that drain is done. */
  const drainNow = (): Promise<void> => (chain = chain.then(drain).catch(reportInternal));

  const enqueue = (work: Work) => {
    if (work.kind === 'event' || work.kind === 'end') {
      work.tab ??= tab;
      work.seq ??= ++seq;
    }
    queue.push(work);
    if (drainScheduled) return;
    drainScheduled = true;
    queueMicrotask(() => {
      drainScheduled = false;
      void drainNow();
    });
  };

  const onHidden = () => {
    // Synchronous first: the page may be gone before any promise settles.
    sender.hidden();
    saveStash(config.orgId, [...draining, ...queue].filter((w) => w.tab), sender.unconfirmed());
    void drainNow().then(sender.flush);
  };

  const unwatch = watchPage({
    visible: guard(() => enqueue({ kind: 'activity', at: Date.now() })),
    hidden: guard(onHidden),
    online: guard(sender.online),
  });

  // What an earlier page could not commit goes first, in its own session; starting is activity.
  stashed.work.forEach(enqueue);
  enqueue({ kind: 'activity', at: Date.now() });
  // Then send what earlier pages left in the outbox.
  guard(() => drainNow().then(sender.flush))();

  const track = (event: WidgetEvent): void => {
    try {
      if (stopped) return void log('track() after shutdown() is ignored', event);
      const now = Date.now();
      const parsed = parseEvent(event, now);
      if (typeof parsed === 'string') return report(new TrackerError('invalid_event', `${parsed}; event ignored`));
      enqueue({ kind: 'event', at: parsed.at, event: parsed, href: parsed.pageUrl ?? currentHref() });
    } catch (err) {
      reportInternal(err);
    }
  };

  const flush = (): Promise<void> => settled(drainNow().then(sender.flush));
  const unlisten = listenForWidgetEvents(track, config.allowedOrigins, log);

  return Object.freeze({
    track,
    flush,
    endSession(): Promise<void> {
      if (!stopped) enqueue({ kind: 'end', at: Date.now() });
      return settled(drainNow());
    },
    async shutdown(): Promise<void> {
      if (stopped) return;
      stopped = true; // from now on track() ignores events; what came before is flushed
      await flush();
      unwatch();
      unlisten();
      sender.stop();
      clearTimeout(expiryTimer);
    },
  });
}
