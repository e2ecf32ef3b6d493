// Options → a Config with defaults (readonly by type). The one place in the SDK that throws.
import { attempt } from './attempt';
import { DEBUG } from './debug';
import { MAX_TIMER_MS } from './env';
import { TrackerConfigError, type TrackerError } from './errors';

export interface TrackerOptions {
  /** Your organization id. Required. */
  orgId: string;
  /** Where batches are POSTed: https, or http on localhost. Required. */
  endpoint: string;
  /** The org's public ingest key, sent in each batch body (a demo collector needs none). */
  key?: string;
  /** Events per request, 1..500. Default 20. */
  batchSize?: number;
  /** Longest wait before a partial batch is sent. Default 5000. */
  flushIntervalMs?: number;
  /** Inactivity that ends a visitor session. Default 30 minutes. */
  sessionTimeoutMs?: number;
  /** Outbox cap; past it the oldest events are dropped and reported. Default 10000. */
  maxQueuedEvents?: number;
  /** Groups pages: the `page` a metric carries. Default: the URL's path. */
  page?: (url: URL) => string;
  /** Extra request headers (the keepalive requests of a hiding page cannot carry them). */
  headers?: Record<string, string>;
  /** Receives every dropped or rejected thing, with its code. */
  onError?: (error: TrackerError) => void;
  /** Console diagnostics. Default false. */
  debug?: boolean;
  /** Origins whose `postMessage({ engage: event })` is tracked, from this page's own frames. Default none. */
  allowedOrigins?: string[];
  /**
   * Listen for page-wide widget events (the `engage:event` CustomEvent, `postMessage`).
   * Default true; false for a tracker fed by `track()` only, such as a widget's own.
   */
  hooks?: boolean;
}

export interface Config {
  readonly orgId: string;
  readonly endpoint: string;
  readonly key?: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxQueuedEvents: number;
  readonly page: (url: URL) => string;
  readonly headers: Readonly<Record<string, string>>;
  readonly onError: (error: TrackerError) => void;
  readonly debug: boolean;
  readonly allowedOrigins: readonly string[];
  readonly hooks: boolean;
}

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
/** Whole-number options: default, lowest, highest. */
const NUMBERS: [keyof TrackerOptions, number, number, number][] = [
  ['batchSize', 20, 1, 500],
  ['flushIntervalMs', 5_000, 0, MAX_TIMER_MS],
  ['sessionTimeoutMs', 30 * 60_000, 1, MAX_TIMER_MS],
  ['maxQueuedEvents', 10_000, 1, 1_000_000],
];

/** `o`: the options as given, untrusted (createTracker's parameter). */
export function resolveConfig(o: Record<string, unknown>): Config {
  if (typeof o !== 'object' || !o) throw new TrackerConfigError('options', DEBUG ? 'must be an object' : '', o);
  // The rule in words is the debug build's: unused here in production, the minifier leaves it out of every call.
  const check = (option: string, ok: unknown, rule: string) => {
    if (!ok) throw new TrackerConfigError(option, DEBUG ? rule : '', o[option]);
  };
  const { orgId, endpoint, key, headers = {}, allowedOrigins = [], page = (u: URL) => u.pathname, onError = () => {}, debug = false, hooks = true } = o;

  const isName = (v: unknown) => typeof v === 'string' && v.trim() && v.length <= 256;
  const NAME_RULE = DEBUG ? 'must be a non-blank string of 1 to 256 characters' : '';
  check('orgId', isName(orgId), NAME_RULE);
  const url = attempt(() => new URL(endpoint as string));
  check('endpoint', typeof endpoint === 'string' && url, DEBUG ? 'must be an absolute URL' : '');
  const { protocol, hostname } = url as URL;
  check('endpoint', protocol === 'https:' || (protocol === 'http:' && LOCAL_HOSTS.includes(hostname)), DEBUG ? 'must be https (http only on localhost)' : '');
  // fetch() refuses such a URL: every send would fail, and be retried, for good.
  check('endpoint', !(url as URL).username && !(url as URL).password, DEBUG ? 'must not hold a user name or password' : '');
  const config: Record<string, unknown> = {};
  for (const [option, fallback, min, max] of NUMBERS) {
    const value = o[option] ?? fallback;
    check(option, Number.isInteger(value) && (value as number) >= min && (value as number) <= max, DEBUG ? `must be an integer from ${min} to ${max}` : '');
    config[option] = value;
  }
  check('key', key === undefined || isName(key), NAME_RULE);
  check('page', typeof page === 'function', DEBUG ? 'must be a function' : '');
  check('onError', typeof onError === 'function', DEBUG ? 'must be a function' : '');
  // Names and values fetch() can send (no spaces in a name, nothing beyond Latin-1 in a value);
  // not checked where there is no Headers to ask (some test environments).
  check('headers', typeof headers === 'object' && headers && !Array.isArray(headers) && Object.values(headers).every((v) => typeof v === 'string') && (typeof Headers !== 'function' || attempt(() => new Headers(headers as HeadersInit))), DEBUG ? 'must be an object of header names and strings fetch can send' : '');
  // Compared with each message's exact origin: a path or trailing slash would never match.
  // "null" is the origin a sandboxed widget iframe posts from (any site's: hooks.ts also checks
  // that a message comes from this page's own frames).
  check('allowedOrigins', Array.isArray(allowedOrigins) && allowedOrigins.every((v) => v === 'null' || attempt(() => new URL(v).origin) === v), DEBUG ? 'must be an array of origins like "https://a.example"' : '');
  check('debug', typeof debug === 'boolean', DEBUG ? 'must be a boolean' : '');
  check('hooks', typeof hooks === 'boolean', DEBUG ? 'must be a boolean' : '');

  // Copies, so the page changing its objects later changes nothing (Config's readonly keeps
  // the SDK itself from writing).
  return {
    ...config,
    orgId,
    endpoint, // as given: parsed only to check it
    key,
    page,
    onError,
    debug,
    hooks,
    headers: { ...(headers as object) },
    allowedOrigins: [...(allowedOrigins as string[])],
  } as unknown as Config;
}
