// Options → a frozen Config with defaults. The one place in the SDK that throws.
import { TrackerConfigError, type TrackerError } from './errors';

export interface TrackerOptions {
  /** Your organization id. Required. */
  orgId: string;
  /** Where batches are POSTed: https, or http on localhost. Required. */
  endpoint: string;
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
  /** Extra request headers (beacons cannot carry them). */
  headers?: Record<string, string>;
  /** Receives every dropped or rejected thing, with its code. */
  onError?: (error: TrackerError) => void;
  /** Console diagnostics. Default false. */
  debug?: boolean;
  /** Origins whose `postMessage({ engage: event })` is tracked. Default none. */
  allowedOrigins?: string[];
}

export interface Config {
  readonly orgId: string;
  readonly endpoint: string;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxQueuedEvents: number;
  readonly page: (url: URL) => string;
  readonly headers: Readonly<Record<string, string>>;
  readonly onError: (error: TrackerError) => void;
  readonly debug: boolean;
  readonly allowedOrigins: readonly string[];
}

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
// setTimeout's own ceiling: longer delays fire at once.
const MAX_TIMER_MS = 2_147_483_647;

export function resolveConfig(options: TrackerOptions): Config {
  if (typeof options !== 'object' || options === null) throw new TrackerConfigError('options', 'must be an object', options);
  const o = options as unknown as Record<string, unknown>;
  const fail = (option: string, rule: string): never => {
    throw new TrackerConfigError(option, rule, o[option]);
  };

  if (typeof o.orgId !== 'string' || !o.orgId.trim() || o.orgId.length > 256) fail('orgId', 'is required: a non-empty string of at most 256 characters');
  let url: URL | undefined;
  try {
    url = new URL(o.endpoint as string);
  } catch {
    /* reported below */
  }
  if (typeof o.endpoint !== 'string' || !url) return fail('endpoint', 'is required: an absolute URL');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.includes(url.hostname))) {
    fail('endpoint', 'must be an https URL (http only on localhost)');
  }

  const int = (option: string, fallback: number, min: number, max: number): number => {
    const value = o[option] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(option, `must be a whole number from ${min} to ${max}`);
    }
    return value as number;
  };
  const fn = <F>(option: string, fallback: F): F => {
    const value = o[option] ?? fallback;
    if (typeof value !== 'function') fail(option, 'must be a function');
    return value as F;
  };

  const headers = o.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
    fail('headers', 'must be an object of string values');
  }
  const allowedOrigins = o.allowedOrigins ?? [];
  if (!Array.isArray(allowedOrigins) || allowedOrigins.some((v) => typeof v !== 'string')) {
    fail('allowedOrigins', 'must be an array of origins such as "https://widget.example.com"');
  }
  if (o.debug != null && typeof o.debug !== 'boolean') fail('debug', 'must be true or false');

  return Object.freeze({
    orgId: o.orgId as string,
    endpoint: url.href,
    batchSize: int('batchSize', 20, 1, 500),
    flushIntervalMs: int('flushIntervalMs', 5_000, 0, MAX_TIMER_MS),
    sessionTimeoutMs: int('sessionTimeoutMs', 30 * 60_000, 1, MAX_TIMER_MS),
    maxQueuedEvents: int('maxQueuedEvents', 10_000, 1, 1_000_000),
    page: fn('page', (u: URL) => u.pathname),
    headers: Object.freeze({ ...(headers as Record<string, string>) }),
    onError: fn('onError', () => {}),
    debug: o.debug === true,
    allowedOrigins: Object.freeze([...(allowedOrigins as string[])]),
  });
}
