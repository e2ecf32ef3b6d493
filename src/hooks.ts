// Bridges from the page into track(): a CustomEvent on document, and postMessage from widget
// iframes on an explicit origin allowlist. Other messages are none of our business.
import { DEBUG } from './debug';
import { listen } from './env';
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
    track((data as { engage: WidgetEvent }).engage);
  };
  return listen([
    [document, WIDGET_EVENT, onCustomEvent],
    [window, 'message', onMessage],
  ]);
}
