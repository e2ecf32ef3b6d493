// Bridges from the page into track(): a CustomEvent on document, and postMessage from widget
// iframes of this page on an explicit origin allowlist. Other messages are none of our
// business. (An event naming another org is dropped by track(): see tracker.ts.)
import { listen } from './env';
import { DEBUG } from './debug';
import type { WidgetEvent } from './events';

export const WIDGET_EVENT = 'engage:event';

/** Listens for widget events; returns the unsubscribe. */
export function listenForWidgetEvents(
  track: (event: WidgetEvent) => void,
  allowedOrigins: readonly string[],
  log: (...args: unknown[]) => void,
): () => void {
  if (typeof document === 'undefined' || typeof window === 'undefined') return () => {};
  const onCustomEvent = (e: Event) => track((e as CustomEvent<WidgetEvent>).detail);
  const onMessage = (e: MessageEvent) => {
    const data: unknown = e.data;
    if (typeof data !== 'object' || data === null || !('engage' in data)) return;
    if (!allowedOrigins.includes(e.origin)) return void (DEBUG && log(`origin ${e.origin} not in allowedOrigins: event ignored`));
    // "null" is the origin of every opaque context, any site's sandboxed frame among them: only
    // a window of this page (a frame in it, at any depth) speaks for it.
    if (!isOfThisPage(e.source)) return void (DEBUG && log('message from a window outside this page: event ignored'));
    track((data as { engage: WidgetEvent }).engage);
  };
  return listen([
    [document, WIDGET_EVENT, onCustomEvent],
    [window, 'message', onMessage],
  ]);
}

/** This window or a frame in it; not an opener, a popup, or another site's frame. */
function isOfThisPage(source: MessageEventSource | null): boolean {
  // A cross-origin window still tells its parent; a top window is its own parent.
  for (let w = source as Window | null; w; w = w.parent === w ? null : w.parent) if (w === window) return true;
  return false;
}
