// The <script> tag build: exposes window.EngageTracker and turns the loader snippet's queue
// into live calls of window.engage(command, ...args).
import { attempt } from './attempt';
import { TrackerConfigError, TrackerError, type TrackerErrorCode } from './errors';
import { DEBUG } from './debug';
import type { TrackerOptions } from './config';
import type { WidgetEvent } from './events';
import { createTracker, type Tracker } from './tracker';

type Command = 'init' | 'track' | 'flush' | 'endSession' | 'shutdown';
/**
 * What the snippet queued: the call's arguments, when it was made and on which page (path).
 * A stub of your own may queue the bare arguments instead (`q.push(arguments)`, as analytics
 * snippets often do).
 */
type Queued = [args: ArrayLike<unknown>, at?: number, path?: string];

interface EngageGlobal {
  (command: Command, ...args: unknown[]): unknown;
  q?: ArrayLike<Queued | ArrayLike<unknown>>;
  /** The snippet's listener queueing widget events until the bundle arrives. */
  l?: EventListener;
  /** How many calls the snippet dropped, its queue full (the bundle late or blocked). */
  d?: number;
}

const host = window as unknown as { engage?: EngageGlobal; EngageTracker?: object };

// A bundle loaded twice must not start a second tracker.
if (!host.EngageTracker) {
  let tracker: Tracker | undefined;
  let onError: TrackerOptions['onError'];
  let hooks: TrackerOptions['hooks'];
  /** Calls made before init: replayed once it runs. */
  const beforeInit: Queued[] = [];
  /** Calls dropped before init, by the snippet's cap or by ours: reported once init runs. */
  let dropped = +(host.engage?.d as number) || 0; // none: NaN, so 0

  /** Reports like the tracker does: a throwing onError must not reach the page either. */
  const reject = (message: string, code: TrackerErrorCode = 'invalid_event') => {
    try {
      Promise.resolve(onError?.(new TrackerError(code, message))).catch(() => {});
    } catch {
      /* the page's own handler failed */
    }
  };

  const call = ([args, at, path]: Queued): unknown => {
    // The argument: an event for track, options for init (checked by track() and createTracker()).
    // `heard`: a widget event the page dispatched (not an engage('track') call).
    const [command, arg, heard] = Array.from(args) as [Command, WidgetEvent & TrackerOptions, 1?];
    if (command === 'init') {
      if (tracker) return reject(DEBUG ? 'engage("init") called again: ignored' : '');
      try {
        tracker = createTracker(arg);
        ({ onError, hooks } = arg);
      } catch (err) {
        // No tracker, so no onError; and nothing is logged unless debug is on (SPEC section 7).
        return void (arg?.debug && console.error(err));
      }
      if (dropped) reject(DEBUG ? `dropped the ${dropped} oldest calls queued before the tracker started` : 'queue_overflow ' + dropped, 'queue_overflow');
      return beforeInit.splice(0).forEach(call);
    }
    // Capped like the outbox (maxQueuedEvents' default): a page whose init failed, or never
    // comes, must not grow this for good.
    if (!tracker) return void (beforeInit.push([args, at ?? Date.now(), path ?? location.pathname]) > 10_000 && beforeInit.shift() && dropped++);
    if (command === 'track') {
      // Page-wide events heard before init, for a tracker that listens to none.
      if (heard && hooks === false) return;
      // The snippet knows when and where the visitor acted; the bundle may have arrived seconds
      // later, on another page of a single-page app. (What the event says itself holds.)
      // (A getter that throws: track() reports the event as it is.)
      return tracker.track((at !== undefined && arg && typeof arg === 'object' && attempt(() => ({ at, pageUrl: path, ...arg }))) || arg);
    }
    if (command === 'flush' || command === 'endSession' || command === 'shutdown') return tracker[command]();
    reject(DEBUG ? `engage(${JSON.stringify(String(command))}): unknown command` : '');
  };

  // The snippet queues [arguments, time]; a stub of your own, the bare arguments (maybe none).
  const queued = Array.from(host.engage?.q ?? [], (q): Queued => {
    const entry = (q ?? []) as ArrayLike<unknown>;
    return typeof entry[0] === 'object' && entry[0] !== null ? (entry as Queued) : [entry];
  });
  // Widget events: until init, they wait with the calls (the snippet's listener steps down for
  // this one); from then on the tracker's own listener hears them.
  if (host.engage?.l) document.removeEventListener('engage:event', host.engage.l);
  document.addEventListener('engage:event', (e) => tracker || call([['track', (e as CustomEvent).detail, 1]]));
  const engage: EngageGlobal = (...args) => call([args]);
  host.engage = engage;
  host.EngageTracker = Object.freeze({ createTracker, TrackerError, TrackerConfigError });
  // init first wherever it was queued, then the rest in order (sort is stable).
  const isInit = (q: Queued) => +(q[0][0] === 'init');
  queued.sort((a, b) => isInit(b) - isInit(a)).forEach(call);
}
