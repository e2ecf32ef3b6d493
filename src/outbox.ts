// When to send: a full batch, the flush interval, flush(), coming back online, and the page
// hiding. Events leave the outbox only after a 2xx; failures back off; one tab sends at a time;
// no tab sends while the endpoint asked for a pause (pause.ts).
import { parseRetryAfter, retryDelayMs } from './backoff';
import type { Config } from './config';
import { DEBUG } from './debug';
import type { TrackerErrorCode } from './errors';
import { later, randomId, tabChannel, type Timer } from './env';
import { byteLength, keepaliveRoom, sendKeepalive } from './keepalive';
import { withLock } from './lock';
import { pauseFor } from './pause';
import type { Batch, MetricEvent } from './metric-event';
import type { Entry, Store } from './store';
import { outcomeOf, post, type Answer } from './transport';
import { SDK_VERSION } from './version';

/** Other bodies hold `batchSize` events, up to this: under the 1 MiB collectors commonly accept. */
const MAX_REQUEST_BYTES = 1_000_000;
/**
 * Events sent as the page hid may have arrived although nobody saw the answer. They are sent
 * again only after this long: time for the answer, and no duplicate from a quick next page.
 */
export const UNCONFIRMED_GRACE_MS = 30_000;

/**
 * Reports a problem to onError (tracker.ts). `message`: words in the debug build; in production
 * '' or the status or count that the message gives after the code.
 */
export type Report = (code: TrackerErrorCode, message: string | number, cause?: unknown) => void;

/** Batches sent per outbox read; their removals share one IndexedDB transaction. */
const WINDOW = 10;

/** How long a tab without Web Locks may send before another tab may take over. */
const LEASE_MS = 30_000;

export interface Sender {
  /** These entries were just added to the outbox, and the cap pushed out `dropped`. */
  added(entries: Entry[], dropped: number[]): void;
  /** Sends all that waits, unless a backoff is running; resolves after the attempt. */
  flush(): Promise<void>;
  /** The network is back: a running backoff was waiting for it, so send now. */
  online(): Promise<void>;
  /**
   * The page may be going away: send what this tab knows of now, synchronously. `leaving`
   * (pagehide): no more passes until visible(), as a lock requested now would keep the page
   * out of the back/forward cache.
   */
  hidden(leaving: boolean): void;
  /** The page is visible again (or back from the back/forward cache). */
  visible(): void;
  /** Between pagehide and visible(): see hidden(). */
  readonly leaving: boolean;
  /** Keys sent while hiding and not yet confirmed, with when: for the next page. */
  unconfirmed(): [key: number, at: number][];
  /** The events this tab stored and has not seen delivered. */
  pending(): Entry[];
  /** Adds what an earlier page sent unconfirmed (see UNCONFIRMED_GRACE_MS). */
  restore(unconfirmed: [key: number, at: number][]): void;
  stop(): void;
}

/** `key`: the org's ingest key, in the body so that keepalive requests and beacons carry it. */
export const batchBody = (events: MetricEvent[], now: number, key?: string): string =>
  JSON.stringify({ key, sdk: { name: 'engage-tracker', version: SDK_VERSION }, sentAt: new Date(now).toISOString(), events } satisfies Batch);

/** The next request body: the first of `entries`, as many as fit in `maxBytes` (at least one). */
export function nextBody(entries: Entry[], maxBytes: number, now: number, key?: string): [keys: number[], body: string] {
  let count = entries.length;
  let body: string;
  // Halve until it fits. UTF-8 takes at most 3 bytes per UTF-16 unit: most bodies need no count.
  while ((body = batchBody(entries.slice(0, count).map((e) => e[1]), now, key)), count > 1 && body.length * 3 > maxBytes && byteLength(body) > maxBytes) {
    count = Math.ceil(count / 2);
  }
  return [entries.slice(0, count).map((e) => e[0]), body];
}


/** `failed` hears that the store failed under a pass: the tracker goes on in memory. */
export function createSender(
  config: Config,
  store: () => Store,
  report: Report,
  failed: (err: unknown) => void,
): Sender {
  const { endpoint, batchSize, headers, key: ingestKey } = config;
  const hasHeaders = Object.keys(headers).length > 0;
  const lockName = 'engage-tracker:send:' + config.orgId;
  const owner = randomId();
  /** Events this tab stored and has not seen delivered: what hidden() can send without I/O. */
  const known = new Map<number, MetricEvent>();
  /** Keys in flight from hidden(), with when they left. */
  const unconfirmed = new Map<number, number>();
  let waiting = 0;
  let intervalTimer: Timer | undefined;
  let backoffTimer: Timer | undefined;
  let attempt = 0;
  /** When the last failure counted toward `attempt` came: see judge(). */
  let failedAt = -Infinity;
  const pause = pauseFor(config.orgId);
  /** The endpoint refused our key, origin or org (401/403): this page sends nothing more. */
  let refused = false;
  /** Milliseconds before the endpoint may be asked again: a refusal holds for the page. */
  const quiet = () => (refused ? Infinity : pause.left());
  let running: Promise<void> | undefined;
  /** The pass under way sends full batches only (see added()). */
  let fullOnly = false;
  /** A partial batch was asked for while a pass for full ones ran. */
  let again = false;
  let stopped = false;
  /** Between pagehide and the page showing again: see hidden(). */
  let leaving = false;
  /** Between hidden() and visible(). */
  let away = false;

  const forget = (keys: number[]) => {
    for (const key of keys) {
      known.delete(key);
      unconfirmed.delete(key);
    }
  };
  // Another tab may deliver our events: it says so, or hidden() would send them again.
  const channel = tabChannel(lockName, (keys) => Array.isArray(keys) && forget(keys));

  /** These keys left the outbox: this tab and the others forget them. */
  const gone = (keys: number[]) => {
    forget(keys);
    // Memory keys are this page's own: every page numbers them -1, -2, …
    if (keys.length && store().durable) channel?.postMessage(keys);
  };

  const delivered = async (keys: number[]) => {
    if (!keys.length) return;
    await store().remove(keys);
    // Only now: a pass reading the outbox meanwhile must still skip them.
    gone(keys);
    waiting = Math.max(0, waiting - keys.length);
  };

  /**
   * Reports what the answer to a request sent at `sentAt` means; returns the backoff delay when
   * the endpoint asks us to wait.
   */
  const judge = (count: number, answer: Answer, sentAt: number): number | undefined => {
    const outcome = outcomeOf(answer.status);
    if (outcome === 'retry') {
      const now = Date.now();
      const asked = parseRetryAfter(answer.retryAfter, now);
      // For every page and tab; a later failure without Retry-After does not end it.
      if (asked) pause.extend(now + asked);
      // Requests in flight together (the keepalive bodies of a hiding page) fail together: one
      // outage, counted toward the backoff and reported once.
      const counted = sentAt > failedAt;
      if (counted) {
        failedAt = now;
        attempt++;
      }
      const delay = retryDelayMs(attempt - 1, asked);
      if (counted) report('delivery_failed', DEBUG ? `sending ${count} events failed (${answer.redirected ? 'redirect' : answer.status || 'network error'}): retry in ${delay} ms` : answer.status, answer.error);
      return delay;
    }
    attempt = 0;
    if (outcome === 'refused') {
      // Key, origin or org refused: every later request of this page would be too. The events
      // stay in the outbox for a later page (which may carry a corrected key); reported once.
      if (!refused) report('delivery_unauthorized', DEBUG ? `endpoint answered ${answer.status}: key or origin refused; events kept` : answer.status);
      refused = true;
      return Infinity;
    }
    if (outcome === 'drop') report('delivery_rejected', DEBUG ? `endpoint answered ${answer.status}: dropped ${count} events` : answer.status);
  };

  /** No pass until `delay` is over (unless online() cuts our own backoff short). */
  const backOff = (delay: number) => {
    clearTimeout(backoffTimer);
    if (!stopped) backoffTimer = later(() => { backoffTimer = undefined; void send(); }, delay);
  };

  /** Forgets unconfirmed keys whose grace is over, so the normal path sends them again. */
  const endGrace = () => {
    const now = Date.now();
    for (const [key, at] of unconfirmed) if (now - at >= UNCONFIRMED_GRACE_MS) unconfirmed.delete(key);
  };

  /**
   * One pass: send batches until the outbox is empty or the endpoint asks us to wait; with
   * `fullOnly`, full batches only, and the rest waits for the interval. Each read takes up to
   * WINDOW batches, and their removals share one transaction.
   */
  const pass = async (): Promise<void> => {
    /** Events per request: halved by each 413 (the endpoint's limit may be below batchSize). */
    let most = batchSize;
    for (;;) {
      endGrace();
      const before = [...known.keys()];
      // Live: hidden() may mark keys while the read is under way.
      let rest = await store().peek(batchSize * WINDOW, unconfirmed);
      if (!rest.length) {
        // Whatever we knew of has left the outbox (delivered elsewhere, or over the cap).
        forget(before.filter((key) => !unconfirmed.has(key)));
        if (unconfirmed.size) schedule(true);
        else waiting = 0;
        return;
      }
      const done: number[] = [];
      let delay: number | undefined;
      const enough = () => (rest = rest.filter(([key]) => !unconfirmed.has(key))).length >= (fullOnly ? batchSize : 1);
      while (delay === undefined && enough()) {
        // (hidden() may have sent some of them meanwhile.)
        const [keys, body] = nextBody(rest.slice(0, most), MAX_REQUEST_BYTES, Date.now(), ingestKey);
        const sentAt = Date.now();
        const answer = await post(endpoint, body, headers);
        // Too large for the endpoint: its halves go next. (A single event is dropped, reported.)
        if (answer.status === 413 && keys.length > 1) {
          most = Math.ceil(keys.length / 2);
          continue;
        }
        rest = rest.slice(keys.length);
        delay = judge(keys.length, answer, sentAt);
        if (delay === undefined) done.push(...keys);
      }
      await delivered(done);
      if (delay !== undefined) return backOff(delay);
      if (rest.length && fullOnly) return schedule(); // a partial batch waits for the interval
    }
  };

  /**
   * Starts a pass unless one runs or a backoff waits. Timers do not wait for another tab's
   * pass (it sends the same outbox; we look again at the next interval); flush() does.
   */
  const send = (wait = false, full = false): Promise<void> => {
    // A pass for full batches leaves the timer that sends the partial one.
    if (!full) {
      clearTimeout(intervalTimer);
      intervalTimer = undefined;
    }
    if (backoffTimer || stopped || leaving) return Promise.resolve();
    // Another page or tab was asked for a pause (or this one, before a reload).
    const paused = quiet();
    if (paused) return Promise.resolve(backOff(paused));
    if (running) {
      // A pass under way for full batches now sends the partial one too; if it is already
      // past that point, one more pass runs after it.
      if (!full && fullOnly) {
        fullOnly = false;
        again = true;
      }
      return running;
    }
    fullOnly = full;
    running = withLock(lockName, wait, pass, (take) => store().lease(owner, take ? Date.now() + LEASE_MS : 0))
      .then((ran) => void (ran || schedule(true)))
      .catch((err) => {
        failed(err);
        schedule(true);
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void send();
        }
      });
    return running;
  };

  /**
   * The next look at the outbox, after the interval. `blocked` by something else (a grace
   * period, another tab's pass, a failure): at least 1 s, even with flushIntervalMs 0.
   */
  const schedule = (blocked?: boolean) => {
    if (!intervalTimer && !backoffTimer && !stopped) intervalTimer = later(send, blocked ? Math.max(config.flushIntervalMs, 1_000) : config.flushIntervalMs);
  };

  const flush = async () => {
    // A pass already under way may have peeked before our events were stored: run one more.
    while (running) await running;
    await send(true);
  };

  return {
    added(entries, dropped) {
      for (const [key, event] of entries) known.set(key, event);
      // What the cap dropped must not go out as a page hides either: here, nor in the tab that
      // stored it.
      gone(dropped);
      waiting += entries.length;
      if (waiting >= batchSize) void send(false, true);
      // Also after send(): a pass that is just ending may not have seen these events.
      schedule();
    },
    flush,
    online() {
      // The network is back; a pause the endpoint asked for still holds.
      if (!quiet()) {
        clearTimeout(backoffTimer);
        backoffTimer = undefined;
      }
      return flush();
    },
    hidden(left) {
      leaving ||= left;
      away = true;
      const now = Date.now();
      // The endpoint asked for a pause (Retry-After): the outbox keeps the events meanwhile. Our
      // own backoff after other failures does not hold back this last chance to send.
      // (A memory outbox has no next page: then this is the last chance, unless the endpoint
      // refused our key, which it would do again.)
      if (quiet() && (store().durable || refused)) return;
      // A normal request under way is sent again: the page going away may cancel it before it
      // left (a CORS preflight, a slow connection). A duplicate is the lesser harm: collectors
      // dedupe by id, and a lost batch would only be resent by a later visit.
      let pending = [...known].filter(([key]) => !unconfirmed.has(key));
      // Body by body, each sized to what is left of the page's keepalive allowance (shared with
      // its other trackers): building every body of a large backlog would outlast the little
      // time a closing tab gets, and what does not fit waits for the next page.
      while (pending.length) {
        const [keys, body] = nextBody(pending.slice(0, 500), keepaliveRoom(), now, ingestKey);
        const sent = sendKeepalive(endpoint, body);
        if (!sent) break;
        pending = pending.slice(keys.length);
        for (const key of keys) unconfirmed.set(key, now);
        void sent
          .then((answer) => {
            // Answered while we still live: settle it now, or let the normal path retry. A 4xx
            // to a request that could not carry your headers (an API key) judges nothing, nor
            // a 413 for several events (the normal path splits them).
            const outcome = outcomeOf(answer.status);
            if (outcome === 'sent' || (outcome === 'drop' && !hasHeaders && !(answer.status === 413 && keys.length > 1))) {
              judge(keys.length, answer, now);
              return delivered(keys);
            }
            // No answer at all while the page hides says nothing (a redirect is an answer): a
            // closing page is cut off from requests that still go out (Firefox: pagehide, the
            // fetch rejects, visibilitychange). Sent again now, they would arrive twice: like an
            // answer that never comes, the grace period decides.
            if (!answer.status && !answer.redirected && away) return;
            keys.forEach((key) => unconfirmed.delete(key));
            // Like any failed send: reported, and the normal path backs off (Retry-After), or
            // stops for a refused key. (Never shortening a backoff already running.)
            if (outcome === 'retry' || (outcome === 'refused' && !hasHeaders)) {
              const delay = judge(keys.length, answer, now) as number;
              if (!backoffTimer) backOff(delay);
            }
          })
          .catch(() => {});
      }
      // A memory outbox has no next page: what did not fit is lost if this one closes.
      if (pending.length && left && !store().durable) report('delivery_failed', DEBUG ? `${pending.length} events did not fit the keepalive allowance: lost if the page closes` : pending.length);
    },
    visible() {
      leaving = away = false;
      schedule(); // what was stored meanwhile
    },
    get leaving() {
      return leaving;
    },
    unconfirmed: () => [...unconfirmed],
    pending: () => [...known],
    restore(before) {
      for (const [key, at] of before) unconfirmed.set(key, at);
    },
    stop() {
      stopped = true;
      channel?.close();
      clearTimeout(intervalTimer);
      clearTimeout(backoffTimer);
    },
  };
}
