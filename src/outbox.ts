// When to send: a full batch, the flush interval, flush(), coming back online, and the page
// hiding. Events leave the outbox only after a 2xx; failures back off; one tab sends at a time.
import { retryDelayMs, parseRetryAfter } from './backoff';
import { TrackerError } from './errors';
import type { Batch, MetricEvent } from './metric-event';
import { withLock } from './lock';
import type { Store } from './store';
import { outcomeOf, post } from './transport';
import { SDK_VERSION } from './version';

/** Keep every request body under the 64 KiB that keepalive fetch and beacons allow. */
export const MAX_BODY_BYTES = 64_000;

export interface SenderOptions {
  endpoint: string;
  batchSize: number;
  flushIntervalMs: number;
  headers: Record<string, string>;
  lockName: string;
  store: () => Store;
  report: (err: TrackerError) => void;
}

export interface Sender {
  /** `count` events were just added to the outbox. */
  added(count: number): void;
  /** Sends all that waits, unless a backoff is running; resolves after the attempt. */
  flush(): Promise<void>;
  /** The network is back: a running backoff was waiting for it, so send now. */
  online(): Promise<void>;
  stop(): void;
}

export const batchBody = (events: MetricEvent[], now: number): string =>
  JSON.stringify({ sdk: { name: 'engage-tracker', version: SDK_VERSION }, sentAt: new Date(now).toISOString(), events } satisfies Batch);

export function createSender(o: SenderOptions): Sender {
  let waiting = 0;
  let intervalTimer: ReturnType<typeof setTimeout> | undefined;
  let backoffTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let running: Promise<void> | undefined;
  let stopped = false;

  const clearInterval_ = () => {
    clearTimeout(intervalTimer);
    intervalTimer = undefined;
  };

  /** One pass: send batches until the outbox is empty or the endpoint asks us to wait. */
  const pass = async (): Promise<void> => {
    for (;;) {
      const store = o.store();
      const { keys, events } = await store.peek(o.batchSize);
      if (!events.length) {
        waiting = 0;
        return;
      }
      let count = events.length;
      let body = batchBody(events, Date.now());
      while (body.length > MAX_BODY_BYTES && count > 1) {
        count = Math.ceil(count / 2);
        body = batchBody(events.slice(0, count), Date.now());
      }
      const answer = await post(o.endpoint, body, o.headers);
      const outcome = outcomeOf(answer.status);
      if (outcome === 'retry') {
        const delay = retryDelayMs(attempt++, parseRetryAfter(answer.retryAfter, Date.now()));
        o.report(new TrackerError('delivery_failed', `sending ${count} events failed (${answer.status || 'network error'}); retrying in ${delay} ms`, answer.error));
        if (!stopped) backoffTimer = setTimeout(() => { backoffTimer = undefined; void send(); }, delay);
        return;
      }
      attempt = 0;
      if (outcome === 'drop') {
        o.report(new TrackerError('delivery_rejected', `the endpoint rejected ${count} events with status ${answer.status}; they are dropped`));
      }
      await store.remove(keys.slice(0, count));
      waiting = Math.max(0, waiting - count);
    }
  };

  /**
   * Starts a pass unless one runs or a backoff waits. Timers do not wait for another tab's
   * pass (it sends the same outbox; we look again at the next interval); flush() does.
   */
  const send = (wait = false): Promise<void> => {
    clearInterval_();
    if (backoffTimer || stopped) return Promise.resolve();
    running ??= withLock(o.lockName, wait, pass)
      .then((ran) => void (ran || schedule()))
      .catch((err) => o.report(new TrackerError('storage_failed', 'reading the outbox failed', err)))
      .finally(() => { running = undefined; });
    return running;
  };

  const schedule = () => {
    if (!intervalTimer && !backoffTimer && !stopped) intervalTimer = setTimeout(send, o.flushIntervalMs);
  };

  const flush = async () => {
    // A pass already under way may have peeked before our events were stored: run one more.
    while (running) await running;
    await send(true);
  };

  return {
    added(count) {
      waiting += count;
      if (waiting >= o.batchSize) void send();
      // Also after send(): a pass that is just ending may not have seen these events.
      schedule();
    },
    flush,
    online() {
      clearTimeout(backoffTimer);
      backoffTimer = undefined;
      return flush();
    },
    stop() {
      stopped = true;
      clearInterval_();
      clearTimeout(backoffTimer);
    },
  };
}
