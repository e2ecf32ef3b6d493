import { DEBUG } from './debug';

/** Every code `onError` can receive. Stable: dashboards and alerts may match on them. */
export type TrackerErrorCode =
  | 'invalid_event'
  | 'unknown_call'
  | 'storage_unavailable'
  | 'storage_failed'
  | 'delivery_rejected'
  | 'delivery_unauthorized'
  | 'delivery_failed'
  | 'queue_overflow'
  | 'internal';

/** What `onError` receives: something was dropped, rejected or degraded. Never thrown. */
export class TrackerError extends Error {
  readonly code: TrackerErrorCode;
  override readonly cause: unknown;
  /** `message` is '' in the production build: then the code stands for it. */
  constructor(code: TrackerErrorCode, message: string, cause?: unknown) {
    super(message || code);
    this.name = 'TrackerError';
    this.code = code;
    this.cause = cause;
  }
}

/** Thrown by `createTracker` only: names the option, the rule it broke and the value given. */
export class TrackerConfigError extends Error {
  readonly option: string;
  readonly value: unknown;
  constructor(option: string, rule: string, value: unknown) {
    super(DEBUG ? `engage-tracker: option "${option}" ${rule} (got ${describe(value)})` : `engage-tracker: option "${option}"`);
    this.name = 'TrackerConfigError';
    this.option = option;
    this.value = value;
  }
}

const describe = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)
    : typeof value === 'function'
      ? 'a function'
      : Array.isArray(value)
        ? 'an array'
        : value && typeof value === 'object'
          ? 'an object'
          : String(value);
