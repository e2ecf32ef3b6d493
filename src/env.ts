// The one file of the tracker that reads window, document, navigator or location, each
// feature-detected so that importing or running the SDK outside a browser never throws.

const FALLBACK_URL = 'http://localhost/';

/** The page the visitor is on now, or a placeholder outside a browser. */
export const currentHref = (): string =>
  // document.URL follows pushState like location.href, and costs a fifth of it in Chromium.
  (typeof document !== 'undefined' && document.URL) || FALLBACK_URL;

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
  // Each 0, 1 or 8 of the template becomes a random hex digit; 8 keeps its top bits (10xx),
  // the 4 stays (version 4). The well-known compact form (broofa's).
  return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
    (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16),
  );
}

/** Web Locks, where the browser has them (not in Node, nor in Safari before 15.4). */
export const webLocks = (): LockManager | undefined => (typeof navigator !== 'undefined' ? navigator.locks : undefined);

/** localStorage, or undefined where reading it throws (disabled storage, sandboxed frames). */
export function localStore(): Storage | undefined {
  try {
    return localStorage; // where there is none (Node), the ReferenceError lands below too
  } catch {
    return undefined;
  }
}

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
  hidden(): void;
  online(): void;
}

/** Subscribes to the page's lifecycle; returns the unsubscribe. */
export function watchPage(on: PageHandlers): () => void {
  if (typeof document === 'undefined' || typeof addEventListener !== 'function') return () => {};
  const onVisibility = () => (document.visibilityState === 'hidden' ? on.hidden() : on.visible());
  // pagehide, never unload: an unload handler takes the page out of the back/forward cache.
  return listen([
    [document, 'visibilitychange', onVisibility],
    [window, 'pagehide', on.hidden],
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
