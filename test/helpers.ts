// Test doubles that only touch the SDK's public surface: a recording endpoint behind fetch,
// a tracker factory with sane test defaults, and short-hands for widget events.
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, vi } from 'vitest';
import { createTracker, type MetricEvent, type Tracker, type TrackerError, type TrackerOptions, type WidgetEvent } from '../src/index';

export const ENDPOINT = 'https://collect.example.com/v1/engage';
export const T0 = Date.parse('2026-11-24T15:00:00.000Z');
export const MINUTE = 60_000;

export interface Endpoint {
  /** Every request body received, parsed. */
  bodies: { sdk: { name: string; version: string }; sentAt: string; events: MetricEvent[] }[];
  /** All events received, in order (with duplicates, if any). */
  events(): MetricEvent[];
  /** Answers the next requests with these statuses (0 = network error); then 200. */
  answer(...statuses: number[]): void;
  requests: { init: RequestInit; status: number }[];
  /** Resolves once this many requests (any status) have arrived. */
  requested(count: number): Promise<void>;
}

/** Replaces global fetch with an in-memory endpoint. */
export function stubEndpoint(): Endpoint {
  const planned: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const ep: Endpoint = {
    bodies: [],
    requests: [],
    events: () => ep.bodies.flatMap((b) => b.events),
    answer: (...statuses) => void planned.push(...statuses),
    requested: (count) => new Promise((resolve) => {
      if (ep.requests.length >= count) resolve();
      else waiters.push({ count, resolve });
    }),
  };
  vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
    const status = planned.shift() ?? 200;
    ep.requests.push({ init, status });
    queueMicrotask(() => waiters.filter((w) => ep.requests.length >= w.count).forEach((w) => w.resolve()));
    if (status === 0) throw new TypeError('Failed to fetch');
    if (status >= 200 && status < 300) ep.bodies.push(JSON.parse(String(init.body)));
    return new Response(null, { status, headers: status === 429 ? { 'retry-after': '2' } : {} });
  });
  return ep;
}

/** The page goes to the background or comes back: `visibilityState` set, `visibilitychange` fired. */
export const setVisibility = (state: 'hidden' | 'visible') => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
};

/** A new, empty IndexedDB: another visitor, another browser. */
export const freshStorage = () => {
  globalThis.indexedDB = new IDBFactory();
};

export interface Harness {
  tracker: Tracker;
  errors: TrackerError[];
  codes(): string[];
}

const live: Tracker[] = [];
// No tracker outlives its test: its timers would fire into the next one.
afterEach(async () => {
  await Promise.all(live.splice(0).map((t) => t.shutdown()));
});

/** A tracker with test defaults; errors are collected instead of dropped. */
export function startTracker(options: Partial<TrackerOptions> = {}): Harness {
  const errors: TrackerError[] = [];
  const tracker = createTracker({ orgId: 'org_1', endpoint: ENDPOINT, onError: (e) => errors.push(e), ...options });
  live.push(tracker);
  return { tracker, errors, codes: () => errors.map((e) => e.code) };
}

/** Tracks the events, flushes, and returns the metric names the endpoint received. */
export async function run(events: WidgetEvent[], options: Partial<TrackerOptions> = {}) {
  const endpoint = stubEndpoint();
  const h = startTracker(options);
  for (const e of events) h.tracker.track(e);
  await h.tracker.flush();
  return { ...h, endpoint, metrics: endpoint.events() };
}

export const names = (metrics: MetricEvent[]) => metrics.map((m) => m.metric);

// Widget event short-hands.
export const offered = (callId: string, repId = 'rep_1'): WidgetEvent => ({ type: 'call.offered', callId, repId });
export const requested = (callId: string): WidgetEvent => ({ type: 'call.requested', callId });
export const answered = (callId: string, repId = 'rep_1'): WidgetEvent => ({ type: 'call.answered', callId, repId });
export const callEvent = (type: 'call.accepted' | 'call.declined' | 'call.canceled' | 'call.timeout' | 'call.ended', callId: string): WidgetEvent => ({ type, callId });
export const visitor = (extra: Partial<{ messageId: string; conversationId: string }> = {}): WidgetEvent => ({ type: 'chat.message', from: 'visitor', ...extra });
export const rep = (repId = 'rep_1', extra: Partial<{ messageId: string; conversationId: string }> = {}): WidgetEvent => ({ type: 'chat.message', from: 'rep', repId, ...extra });
export const bot = (): WidgetEvent => ({ type: 'chat.message', from: 'bot' });
