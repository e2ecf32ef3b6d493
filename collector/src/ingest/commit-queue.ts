// Batches that arrive while a commit runs wait, then go to the store together in one
// transaction: one commit (one fsync) for many batches, which is what makes ingest fast. Each
// batch's promise settles only after that commit, so a 2xx always means "on disk". The queue
// is bounded: past `maxQueuedEvents` waiting, a new batch is refused at once (503) rather
// than held in memory.
import type { InsertResult, MetricStore, StoredEvent } from '../store/metric-store.js';

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

interface Waiting {
  events: readonly StoredEvent[];
  resolve(result: InsertResult): void;
  reject(err: unknown): void;
}

export interface CommitQueueOptions {
  /** Events waiting for a commit before new batches are refused. */
  maxQueuedEvents?: number;
  /** Events one transaction takes at most; the rest wait for the next. */
  maxEventsPerCommit?: number;
}

export interface CommitQueue {
  /** Resolves once the batch is committed; rejects with QueueFullError or the store's error. */
  add(events: readonly StoredEvent[]): Promise<InsertResult>;
  /** Resolves once every batch added so far is settled. */
  drain(): Promise<void>;
}

export function createCommitQueue(store: MetricStore, options: CommitQueueOptions = {}): CommitQueue {
  const maxQueued = options.maxQueuedEvents ?? 50_000;
  const maxPerCommit = options.maxEventsPerCommit ?? 10_000;
  let waiting: Waiting[] = [];
  let queuedEvents = 0;
  let running: Promise<void> | undefined;
  const idle: (() => void)[] = [];

  async function commitAll() {
    while (waiting.length) {
      let take = 0;
      let events = 0;
      // At least one batch, then as many as fit.
      while (take < waiting.length && (take === 0 || events + waiting[take].events.length <= maxPerCommit)) {
        events += waiting[take++].events.length;
      }
      const group = waiting.slice(0, take);
      waiting = waiting.slice(take);
      queuedEvents -= events;
      try {
        const results = await store.insert(group.map((w) => w.events));
        group.forEach((w, i) => w.resolve(results[i]));
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    running = undefined;
    for (const done of idle.splice(0)) done();
  }

  return {
    add(events) {
      if (queuedEvents > 0 && queuedEvents + events.length > maxQueued) {
        return Promise.reject(new QueueFullError(`${queuedEvents} events are waiting for a commit`));
      }
      return new Promise<InsertResult>((resolve, reject) => {
        waiting.push({ events, resolve, reject });
        queuedEvents += events.length;
        running ??= commitAll();
      });
    },
    drain() {
      return running ? new Promise<void>((done) => idle.push(done)) : Promise.resolve();
    },
  };
}
