// The one file of the tracker that reads window, document, navigator or location, each
// feature-detected so that importing or running the SDK outside a browser never throws.

import { attempt } from './attempt';

const FALLBACK_URL = 'http://localhost/';

/** The page the visitor is on now, or a placeholder outside a browser. */
export const currentHref = (): string =>
  // document.URL follows pushState like location.href, and costs a fifth of it in Chromium.
  attempt(() => document.URL) || FALLBACK_URL; // no document: a ReferenceError

export type Timer = ReturnType<typeof setTimeout>;

/** setTimeout's own ceiling: longer delays would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** setTimeout, capped at MAX_TIMER_MS, that never keeps a Node process (SSR, scripts) alive. */
export function later(fn: () => unknown, ms: number): Timer {
  const timer = setTimeout(fn, Math.min(ms, MAX_TIMER_MS));
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** Random UUID v4; randomUUID needs a secure context, getRandomValues does not. */
export function randomId(): string {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  // Hex pairs; a dash before bytes 4, 6, 8 and 10 (8-4-4-4-12 digits).
  return Array.from(b, (x, i) => (i % 2 || i < 4 || i > 10 ? '' : '-') + (x + 256).toString(16).slice(1)).join('');
}

/** Web Locks, where the browser has them (not in Node, nor in Safari before 15.4). */
export const webLocks = (): LockManager | undefined => attempt(() => navigator.locks); // no navigator: a ReferenceError

/** localStorage, or undefined where reading it throws (disabled storage, sandboxed frames). */
export const localStore = (): Storage | undefined => attempt(() => localStorage); // none in Node: a ReferenceError, caught too

/** A BroadcastChannel to this origin's other tabs, where the browser has one. */
export function tabChannel(name: string, onMessage: (data: unknown) => void): BroadcastChannel | undefined {
  if (typeof BroadcastChannel !== 'function') return undefined;
  const channel = new BroadcastChannel(name);
  channel.onmessage = (e) => onMessage(e.data);
  (channel as { unref?: () => void }).unref?.(); // Node's would keep the process alive
  return channel;
}

export interface PageHandlers {
  visible(): void;
  /** `leaving`: pagehide, the page unloads or enters the back/forward cache. */
  hidden(leaving: boolean): void;
  online(): void;
}

/** Subscribes to the page's lifecycle; returns the unsubscribe. */
export function watchPage(on: PageHandlers): () => void {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return () => {};
  const onVisibility = () => (document.visibilityState === 'hidden' ? on.hidden(false) : on.visible());
  // pagehide, never unload: an unload handler takes the page out of the back/forward cache.
  // pageshow, persisted: back from that cache (not the first show of every page).
  return listen([
    [document, 'visibilitychange', onVisibility],
    [window, 'pagehide', () => on.hidden(true)],
    [window, 'pageshow', (e: PageTransitionEvent) => e.persisted && on.visible()],
    [window, 'online', on.online],
  ]);
}

/** Adds each listener; returns what removes them all. */
export function listen(subscriptions: [EventTarget, string, (e: never) => void][]): () => void {
  for (const [target, type, fn] of subscriptions) target.addEventListener(type, fn as EventListener);
  return () => {
    for (const [target, type, fn] of subscriptions) target.removeEventListener(type, fn as EventListener);
  };
}
