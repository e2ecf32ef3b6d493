// createTracker(): wires config → store → outbox → transport. Every door into the SDK
// (track, listeners, timers, promises) is guarded: after this returns, nothing throws.
import type { Rules, Work } from './apply';
import { resolveConfig, type TrackerOptions } from './config';
import { DEBUG } from './debug';
import { currentHref, later, randomId, watchPage, type Timer } from './env';
import { TrackerError } from './errors';
import { parseEvent, type WidgetEvent } from './events';
import { listenForWidgetEvents } from './hooks';
import { createSender, type Report } from './outbox';
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
/**
 * Work items per transaction. Each item costs a few IndexedDB requests of main-thread time:
 * a burst of thousands in one transaction would block the page in one long task.
 */
const MAX_WORK_PER_DRAIN = 100;

export function createTracker(options: TrackerOptions): Tracker {
  const config = resolveConfig(options as unknown as Record<string, unknown>);
  const { orgId, maxQueuedEvents } = config;
  // Diagnostics are words: the debug build's alone (see debug.ts). In production a function
  // that does nothing, so the minifier drops every call to it.
  const log = DEBUG ? (...args: unknown[]) => config.debug && console.debug('[engage-tracker]', ...args) : () => {};

  /** The page's handler; once shutdown() is done, none (a late keepalive answer says nothing). */
  let onError = config.onError;
  const report: Report = (code, message, cause) => {
    log(code, message, cause ?? '');
    try {
      // An async handler's rejection is the page's own too: it must not surface as unhandled. In
      // production the message is the code, then the status or count if any ("delivery_failed 503").
      Promise.resolve(onError(new TrackerError(code, DEBUG || message === '' ? (message as string) : code + ' ' + message, cause))).catch((err) => log('onError failed', err));
    } catch (err) {
      log('onError failed', err);
    }
  };
  const reportInternal = (err: unknown) => report('internal', DEBUG ? `internal error: ${err}` : '', err);
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
    let url = new URL(currentHref());
    try {
      url = new URL(href, url);
      const page = config.page(url);
      // Capped: a page is a dimension, not a payload.
      if (typeof page === 'string') return page.slice(0, 1_024);
      throw new TypeError(DEBUG ? 'page() returned a non-string' : '');
    } catch (err) {
      report('internal', DEBUG ? 'page() failed: using the path' : '', err);
      return url.pathname;
    }
  };
  /** Work as stashed: with its page, not its URL (a token or an email in a query string). */
  const withPage = (w: Work): Work =>
    w.kind === 'event' ? { ...w, href: undefined, page: w.page ?? pageOf((w.event.pageUrl ?? w.href) as string), event: { ...w.event, pageUrl: undefined } } : w;
  const rules: Rules = { ...config, newId: randomId, pageOf };

  const dbName = 'engage-tracker:' + orgId;
  /** State this page saw committed, across reopened connections (see openIndexedDb). */
  const mirror = new Map<string, unknown>();
  let store: Store = memoryStore();
  let reopened = false;
  const open = (): Promise<Store> => {
    let timer: Timer | undefined;
    return Promise.race([
      openIndexedDb(dbName, mirror, lost),
      new Promise<never>((_, reject) => (timer = later(() => reject(new Error(DEBUG ? 'IndexedDB open blocked' : '')), OPEN_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
  };
  /** IndexedDB failed: go on in memory from what this page knows (see applyWork). */
  const toMemory = (err: unknown) => {
    report('storage_failed', DEBUG ? 'IndexedDB failed: using memory for this page' : '', err);
    // With what this page knows: the same visitor and session, the calls and messages seen,
    // the events not delivered yet. A fresh start would count them all again.
    store = memoryStore(mirror, sender.pending());
  };
  /** Another tab upgraded the database, or the browser closed it: later reads would all fail. */
  const lost = (closed: Store) => store === closed && toMemory(new Error(DEBUG ? 'IndexedDB connection closed' : ''));
  const storeReady = (typeof indexedDB === 'undefined' ? Promise.reject() : open()).then(
    (s) => void (store = s),
    (err) => report('storage_unavailable', DEBUG ? 'IndexedDB unavailable: using memory for this page' : '', err),
  );

  /** Applies work; on failure reopens IndexedDB once (a lost connection), then goes on in memory. */
  const applyWork = async (work: Work[]): Promise<Stored> => {
    const failing = store;
    try {
      const done = await failing.apply(work, rules, maxQueuedEvents);
      // Committed on a connection lost() gave up meanwhile: the memory outbox takes these too.
      if (store !== failing) store = memoryStore(mirror, [...sender.pending(), ...done.added].filter(([key]) => !done.dropped.includes(key)));
      return done;
    } catch (err) {
      // (Unless lost() has switched already.)
      if (store === failing) {
        failing.close();
        if (!reopened) {
          reopened = true;
          try {
            store = await open();
            return await store.apply(work, rules, maxQueuedEvents);
          } catch {
            store.close();
          }
        }
        // Quota, a closed or broken database: losing nothing queued matters more than persistence.
        toMemory(err);
      }
      return store.apply(work, rules, maxQueuedEvents);
    }
  };

  const sender = createSender(config, () => store, report, (err) => {
    // (A store that lost() already replaced may fail a last read: reported once is enough.)
    if (store.durable) {
      store.close();
      toMemory(err);
    }
  });

  // Work of one task is applied in one transaction: track() only pushes, a microtask drains.
  let queue: Work[] = [];
  /** The work of the drain under way: not committed yet, so stashed if the page hides. */
  let draining: Work[] = [];
  let chain: Promise<void> = storeReady.then(() => {
    // Read only now, not in createTracker(): a page's first localStorage access blocks it for
    // milliseconds. What an earlier page could not commit goes first, in its own session.
    const stashed = takeStash(orgId);
    if (store.durable) sender.restore(stashed.unconfirmed); // outbox keys: IndexedDB's only
    queue.unshift(...stashed.work);
  }).catch(reportInternal);
  let expiryTimer: Timer | undefined;
  /** When the session this tab last saw expires; 0 when it saw none. */
  let expiresAt = 0;
  /** shutdown() under way or done: track() ignores events from then on. */
  let stopping: Promise<void> | undefined;
  /** Work of this page was stashed as it hid (see drainSlice). */
  let stashed = false;
  /** Work applied in memory that the stash still holds (see drainSlice). */
  const unstash: Work[] = [];
  const dropUnstash = () => unstash.length && saveStash(orgId, [], [], unstash.splice(0));
  // Numbers this page's work, so a replay of it is applied once (apply.ts).
  // Starts with the page's creation time: apply.ts prunes old replay markers as one key range.
  const tab = Date.now().toString(36) + randomId().slice(0, 8);
  let seq = 0;

  const drain = async (): Promise<void> => {
    // A failing slice must not strand the rest: track() only schedules a drain on an empty queue.
    while (queue.length) await drainSlice().catch(reportInternal);
  };
  const drainSlice = async (): Promise<void> => {
    draining = queue.splice(0, MAX_WORK_PER_DRAIN);
    const applied = await applyWork(draining);
    // What the stash holds of work this page applied after all (it lived on) leaves it: nothing
    // it no longer needs stays on the device, and without IndexedDB, whose replay markers die
    // with the page, the next page would count it again. In memory, not while leaving: its
    // events would then be lost with the page.
    if (stashed) {
      unstash.push(...draining);
      if (store.durable || !sender.leaving) {
        dropUnstash();
        stashed = queue.length > 0;
      }
    }
    draining = [];
    for (const e of applied.unknowns) {
      report('unknown_call', DEBUG ? `${e.type} for unknown call "${e.callId}": ignored` : '');
    }
    for (const e of applied.late) report('invalid_event', DEBUG ? `${e.type} before the end of the last session: ignored` : '');
    if (applied.dropped.length) report('queue_overflow', DEBUG ? `outbox over ${maxQueuedEvents} events: dropped the ${applied.dropped.length} oldest` : applied.dropped.length);
    if (DEBUG) log('stored', applied.metrics);
    sender.added(applied.added, applied.dropped);
    clearTimeout(expiryTimer);
    expiresAt = applied.expiresAt ?? 0;
    if (expiresAt && !stopping) {
      // Another tab may keep the session alive meanwhile: the check re-reads before ending it.
      // (A session ending weeks ahead, from an `at` in the future, is checked again after the
      // longest delay later() takes.)
      expiryTimer = later(guard(() => enqueue({ kind: 'check', at: Date.now() })), Math.max(0, expiresAt - Date.now()) + 1);
    }
  };

  /** Chains a drain after the ones before it; resolves when that drain is done. */
  const drainNow = (): Promise<void> => (chain = chain.then(drain).catch(reportInternal));
  const drainAndSend = () => drainNow().then(sender.flush);

  const enqueue = (work: Work) => {
    if (queue.push(work) === 1) queueMicrotask(drainNow);
  };

  const unwatch = watchPage({
    visible: guard(() => {
      // Back from the back/forward cache: what the page could not send as it left (still being
      // written then) goes now, not after the flush interval.
      const returning = sender.leaving;
      // What IndexedDB was doing as the page froze may have ended unannounced: done again.
      if (returning) store.revive();
      dropUnstash();
      sender.visible();
      enqueue({ kind: 'activity', at: Date.now() });
      if (returning) return drainAndSend();
    }),
    hidden: guard((leaving: boolean) => {
      // Synchronous, most precious first: the page may be gone before any promise settles.
      const work = [...draining, ...queue].filter((w) => w.tab).map(withPage);
      saveStash(orgId, work, []);
      stashed ||= work.length > 0;
      sender.hidden(leaving);
      if (store.durable) saveStash(orgId, [], sender.unconfirmed());
      // Leaving, the sender sends nothing more (see Sender.hidden): what is drained now goes with
      // the next page, or with this one if it shows again.
      return drainAndSend();
    }),
    online: guard(sender.online),
  });

  // Starting is activity; queued after what the caller tracks in this task, such as a script
  // tag's replay of calls made before the bundle arrived: its start must not end a session
  // before events that happened in it.
  const startedAt = Date.now();
  queueMicrotask(() => stopping || enqueue({ kind: 'activity', at: startedAt }));
  // Then send what earlier pages left in the outbox.
  guard(drainAndSend)();

  const track = (event: WidgetEvent): void => {
    try {
      if (stopping) return void (DEBUG && log('track() after shutdown(): ignored', event));
      const parsed = parseEvent(event, Date.now());
      if (typeof parsed === 'string') return report('invalid_event', DEBUG ? parsed + ': event ignored' : '');
      // Another org's tracker on the page: its event, not ours.
      if ((parsed.orgId ?? orgId) !== orgId) return void (DEBUG && log('event of another org: ignored', event));
      // Whole, in one literal: cheaper in cold code than adding fields one by one.
      enqueue({ kind: 'event', at: parsed.at, event: parsed, href: parsed.pageUrl ?? currentHref(), tab, seq: ++seq });
    } catch (err) {
      reportInternal(err);
    }
  };
  const unlisten = config.hooks ? listenForWidgetEvents(track, config.allowedOrigins, log) : () => {};
  const flushNow = () => {
    // The idle timer may not have fired yet (a throttled background tab, a faked clock): a
    // session that has expired by now is ended before its missed metrics would be sent.
    if (!(Date.now() < expiresAt)) enqueue({ kind: 'check', at: Date.now() });
    return settled(drainAndSend());
  };

  return Object.freeze({
    track,
    // After shutdown() they wait for it, and do nothing more.
    flush: () => stopping ?? flushNow(),
    endSession(): Promise<void> {
      if (stopping) return stopping;
      enqueue({ kind: 'end', at: Date.now(), tab, seq: ++seq });
      return settled(drainNow());
    },
    shutdown: () =>
      (stopping ??= settled(
        (async () => {
          // What came before is flushed (stopping is set once this first await is reached).
          await flushNow();
          unwatch();
          unlisten();
          sender.stop();
          clearTimeout(expiryTimer);
          store.close();
          onError = () => {};
        })(),
      )),
  });
}
